from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .views import LoginNotRequiredMixin, UnknownApiPath


class SchemaView(LoginNotRequiredMixin, SpectacularAPIView):
    pass


class SwaggerView(LoginNotRequiredMixin, SpectacularSwaggerView):
    pass


class RedocView(LoginNotRequiredMixin, SpectacularRedocView):
    pass


v1 = [
    path("", include("tickets.api.urls")),
    path("", include("escalation.api.urls")),
    path("", include("accounts.api.urls")),
    # Last: only paths nothing above matched. The trailing slash keeps APPEND_SLASH redirects.
    re_path(r"^.*/$", UnknownApiPath.as_view(), name="api-unknown"),
]

urlpatterns = [
    path("api/v1/", include(v1)),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
