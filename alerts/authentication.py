"""HTTP basic auth for monitoring tools that cannot send a Bearer token (Alertmanager's
``basic_auth``, a Zabbix media type): the configured user name and password stand for
the monitoring account. A Bearer API token works on the same endpoints
(accounts.authentication.ApiTokenAuthentication)."""

import base64
import binascii
import hmac
from typing import NoReturn

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.selectors import api_token_lockout_seconds, client_address
from accounts.services import api_token_failure_record

from .services import monitoring_account


class AlertsBasicAuthentication(authentication.BaseAuthentication):
    """``Authorization: Basic`` with HELPDESK_ALERTS_BASIC_USER and
    HELPDESK_ALERTS_BASIC_PASSWORD (off while the password is empty). Wrong ones count
    against the client address as wrong API tokens do, and lock it out the same way."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"basic":
            return None
        address = client_address(request)
        locked_for = api_token_lockout_seconds(address=address)
        if locked_for:
            raise exceptions.Throttled(wait=locked_for)
        password = settings.HELPDESK_ALERTS_BASIC_PASSWORD
        if not password:
            raise exceptions.AuthenticationFailed(_("Basic authentication is not set up here; send a Bearer token."))
        try:
            user, _sep, given = base64.b64decode(header[1], validate=True).decode().partition(":")
        except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
            self._failed(address)
        if not (
            hmac.compare_digest(user.encode(), settings.HELPDESK_ALERTS_BASIC_USER.encode())
            & hmac.compare_digest(given.encode(), password.encode())
        ):
            self._failed(address)
        return monitoring_account(), None

    def _failed(self, address: str) -> NoReturn:
        locked_for = api_token_failure_record(address=address)
        if locked_for:
            raise exceptions.Throttled(wait=locked_for)
        raise exceptions.AuthenticationFailed(_("The user name or password is not valid."))

    def authenticate_header(self, request) -> str:
        return 'Basic realm="alerts"'
