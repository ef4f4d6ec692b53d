from rest_framework import generics, views


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
    pass


class ListCreateApiView(LoginNotRequiredMixin, generics.ListCreateAPIView):
    pass


class ListApiView(LoginNotRequiredMixin, generics.ListAPIView):
    pass


class RetrieveApiView(LoginNotRequiredMixin, generics.RetrieveAPIView):
    pass
