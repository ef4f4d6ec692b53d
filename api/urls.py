"""The API's own pages (schema, Swagger UI, ReDoc) and the answer for a path under
/api/v1/ that names nothing; each app's API routes are included by the project's URLs."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path, re_path
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from .views import LoginNotRequiredMixin, UnknownApiPath


class SchemaView(LoginNotRequiredMixin, SpectacularAPIView):
    pass


class SwaggerView(LoginNotRequiredMixin, SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served as a file of its own, so the page needs no
    inline script under the Content-Security-Policy."""


# ReDoc styles its page with <style> elements it writes at run time and searches in a worker
# it starts from a blob: URL; the rest of the policy stays as strict as on every page.
@method_decorator(csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]}), name="dispatch")
class RedocView(LoginNotRequiredMixin, SpectacularRedocView):
    pass


# Last under /api/v1/: only paths nothing above matched. The trailing slash keeps
# APPEND_SLASH redirects.
unknown = [re_path(r"^[\s\S]*/$", UnknownApiPath.as_view(), name="api-unknown")]

urlpatterns = [
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
