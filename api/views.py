from rest_framework import exceptions, generics, views

from .schema import ApiAutoSchema


class LoginNotRequiredMixin:
    """API views answer for themselves (401 JSON); the site's sign-in redirect stays out.
    Throttling comes before the permission check, so anonymous callers are limited too."""

    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        view.login_required = False
        return view

    def check_permissions(self, request):
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request):
        if getattr(request, "_helpdesk_throttle_checked", False):
            return
        request._helpdesk_throttle_checked = True
        super().check_throttles(request)


class ApiView(LoginNotRequiredMixin, views.APIView):
    schema = ApiAutoSchema()


class ListCreateApiView(LoginNotRequiredMixin, generics.ListCreateAPIView):
    schema = ApiAutoSchema()


class ListApiView(LoginNotRequiredMixin, generics.ListAPIView):
    schema = ApiAutoSchema()


class RetrieveApiView(LoginNotRequiredMixin, generics.RetrieveAPIView):
    schema = ApiAutoSchema()


class UnknownApiPath(ApiView):
    """Any other path under /api/v1/ (a malformed id, an extra segment): a JSON 404 after
    the usual authentication, never the site's HTML error page."""

    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()
