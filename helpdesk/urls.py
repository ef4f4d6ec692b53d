from django.contrib import admin
from django.urls import include, path

from accounts.views import PasswordResetView, language_set
from api.urls import unknown as unknown_api_path
from health.views import healthz
from notifications.forms import PasswordResetForm
from tickets.views import home

api_v1 = [
    path("", include("tickets.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("maintenance.api.urls")),
    path("", include("procurement.api.urls")),
    path("", include("vendors.api.urls")),
    path("", include("assets.api.urls")),
    path("", include("alerts.api.urls")),
    path("", include("routing.api.urls")),
    path("", include("problems.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("configuration.api.urls")),
    path("", include(unknown_api_path)),
]

urlpatterns = [
    path("", home, name="home"),
    path("", include("tickets.urls")),
    path("", include("notifications.urls")),
    path("", include("reports.urls")),
    path("", include("escalation.urls")),
    path("", include("intake.urls")),
    path("", include("replies.urls")),
    path("", include("satisfaction.urls")),
    path("", include("search.urls")),
    path("", include("knowledge.urls")),
    path("", include("vendors.urls")),
    path("", include("assets.urls")),
    path("", include("maintenance.urls")),
    path("", include("procurement.urls")),
    path("", include("routing.urls")),
    path("", include("problems.urls")),
    path("", include("configuration.urls")),
    path("api/v1/", include(api_v1)),
    path("", include("api.urls")),
    # The reset mail goes through the notification outbox, in the person's language, at
    # most a few times an hour to one address and from one client.
    path(
        "accounts/password_reset/",
        PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", language_set, name="set_language"),
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
]
