"""The API's own pages (schema, Swagger UI, ReDoc) and the answer for a path under
/api/v1/ that names nothing; each app's API routes are included by the project's URLs."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .views import LoginNotRequiredMixin, UnknownApiPath


class SchemaView(LoginNotRequiredMixin, SpectacularAPIView):
    pass


class SwaggerView(LoginNotRequiredMixin, SpectacularSwaggerView):
    pass


class RedocView(LoginNotRequiredMixin, SpectacularRedocView):
    pass


# Last under /api/v1/: only paths nothing above matched. The trailing slash keeps
# APPEND_SLASH redirects.
unknown = [re_path(r"^.*/$", UnknownApiPath.as_view(), name="api-unknown")]

urlpatterns = [
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
