import zoneinfo

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from rest_framework.views import APIView

from .selectors import client_address, two_factor_step


class UserLocaleMiddleware:
    """Show the signed-in person the helpdesk in their own language and time zone (as
    chosen on their profile or with the language switcher); visitors get the language
    their browser asks for (Django's LocaleMiddleware) and the default time zone."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.languages = dict(settings.LANGUAGES)

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language in self.languages:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class TwoFactorMiddleware:
    """After the password, the second factor: a signed-in person with an authenticator app
    reaches no page until they have given a code from it (or a backup code), and one whose
    role needs an app (HELPDESK_2FA_REQUIRED_ROLES) none until they have set one up. Signing
    out, switching the language, the pages anyone may see and the two steps themselves stay
    open; the admin does not. The API decides for itself: a token needs no code, a session
    does (accounts.authentication.VerifiedSessionAuthentication)."""

    OPEN = frozenset({"logout", "set_language", "accounts:two-factor-verify", "accounts:two-factor-setup"})

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        if match is None or match.view_name in self.OPEN:
            return None
        if "admin" not in match.namespaces and getattr(view_func, "login_required", True) is False:
            return None  # a page anyone may see (sign-in, password reset, health, API docs)
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None
        step = two_factor_step(user, request.session)
        if step is None:
            return None
        target = reverse(f"accounts:two-factor-{step}")
        return redirect(target + "?" + urlencode({"next": request.get_full_path()}))


class ConfigurationAuditMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, which gives the configuration's audit who made a
    change and from where, with two differences:

    - the address is the client's as sign-in throttling reads it (the connection's, or the
      one HELPDESK_TRUSTED_PROXY_COUNT proxies say they received the request from), not the
      first X-Forwarded-For entry, which the client writes itself;
    - a GET, HEAD or OPTIONS request, which changes nothing by HTTP's rules, goes without:
      the library connects and disconnects a signal receiver for every request it covers. A
      change made while serving one (the directory shutting an account on a recheck) is the
      helpdesk's own and is kept without a person."""

    READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})

    def _get_remote_addr(self, request):
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_address(request) or None

    def __call__(self, request):
        if request.method in self.READ_ONLY:
            return self.get_response(request)
        return super().__call__(request)
