from django.contrib import admin
from django.urls import include, path

from accounts.views import language_set
from health.views import healthz
from tickets.views import home

urlpatterns = [
    path("", home, name="home"),
    path("", include("tickets.urls")),
    path("", include("escalation.urls")),
    path("", include("reports.urls")),
    path("", include("api.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", language_set, name="set_language"),
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
]
