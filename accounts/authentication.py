from datetime import timedelta
from typing import NoReturn

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import authentication, exceptions

from .directory import directory_recheck
from .selectors import api_token_for_request, api_token_lockout_seconds, client_address, two_factor_step
from .services import api_token_digest, api_token_failure_record, api_token_used

# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _locked_out(seconds: int) -> exceptions.Throttled:
    """429 with Retry-After, in the API's error shape (code ``throttled``)."""
    minutes = max(1, -(-seconds // 60))
    return exceptions.Throttled(
        wait=seconds,
        detail=ngettext(
            "Too many wrong API tokens from your address. Try again in %(minutes)d minute.",
            "Too many wrong API tokens from your address. Try again in %(minutes)d minutes.",
            minutes,
        )
        % {"minutes": minutes},
    )


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>`` (or ``Token <key>``) with a key from the profile page.

    Wrong tokens are counted per client address: after HELPDESK_API_TOKEN_FAILURE_LIMIT of
    them within the cool-off (AXES_COOLOFF_TIME, as for sign-in) that address is refused for
    the cool-off, whatever token it then gives, so keys cannot be guessed by the million."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        address = client_address(request)
        try:
            key = header[1].decode() if len(header) == 2 else None
        except UnicodeDecodeError:
            key = ""
        if not key:
            locked_for = api_token_lockout_seconds(address=address)
            if locked_for:
                raise _locked_out(locked_for)
            if key is None:
                self._failed(address, _("Give the token after the word Bearer, with one space."))
            self._failed(address, _("The token is not valid."))
        locked_for, token = api_token_for_request(digest=api_token_digest(key), address=address)
        if locked_for:
            raise _locked_out(locked_for)
        if token is None or not token.user.is_active:
            self._failed(address, _("The token is not valid, or it was revoked."))
        if not directory_recheck(token.user):
            # Not the caller's fault: the directory shut the account since it was last asked.
            raise exceptions.AuthenticationFailed(_("The token is not valid, or it was revoked."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            api_token_used(token=token, at=now)
        return token.user, token

    def _failed(self, address: str, message) -> NoReturn:
        locked_for = api_token_failure_record(address=address)
        if locked_for:
            raise _locked_out(locked_for)
        raise exceptions.AuthenticationFailed(message)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (with its CSRF check), for a session whose second factor
    is verified where the person has or needs one: the password alone does not reach the API
    from a browser. A token (ApiTokenAuthentication) needs no code: it is the machine's
    credential, created only from a verified session."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        if two_factor_step(result[0], request.session) is not None:
            raise exceptions.AuthenticationFailed(
                _("Finish signing in first: give the code from your authenticator app on the sign-in page.")
            )
        return result
