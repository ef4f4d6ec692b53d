"""OpenID Connect sign-in through mozilla-django-oidc: where the provider's endpoints come
from, and the authentication backend. The person's account, role and levels are the
business of accounts.services.user_sign_in_from_claims.

A session signed in this way names OIDC_BACKEND under django.contrib.auth's
BACKEND_SESSION_KEY; signed_in_through_provider() tells so (the provider, not the
helpdesk, asked for the second factor)."""

import logging
from collections.abc import Mapping
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.core.cache import caches
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from .exceptions import SignInRefused
from .services import user_sign_in_from_claims

logger = logging.getLogger(__name__)

OIDC_BACKEND = "accounts.oidc.OidcBackend"  # one of selectors.SECOND_FACTOR_ELSEWHERE
SIGNING_ALGORITHM = "RS256"
PROVIDER_TIMEOUT_SECONDS = 10
DISCOVERY_CACHE_SECONDS = 3600

# The library's settings, read from the helpdesk's own.
_FROM_SETTINGS = {
    "OIDC_RP_CLIENT_ID": "HELPDESK_OIDC_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET": "HELPDESK_OIDC_CLIENT_SECRET",
    "OIDC_RP_SCOPES": "HELPDESK_OIDC_SCOPES",
    "OIDC_CREATE_USER": "HELPDESK_OIDC_CREATE_USERS",
}
_FIXED = {
    "OIDC_RP_SIGN_ALGO": SIGNING_ALGORITHM,
    "OIDC_RP_IDP_SIGN_KEY": None,
    "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:oidc-callback",
    "OIDC_TIMEOUT": PROVIDER_TIMEOUT_SECONDS,
    "OIDC_USE_NONCE": True,
}
# Each endpoint: the setting that names it, and its key in the discovery document.
_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": ("HELPDESK_OIDC_AUTHORIZATION_ENDPOINT", "authorization_endpoint"),
    "OIDC_OP_TOKEN_ENDPOINT": ("HELPDESK_OIDC_TOKEN_ENDPOINT", "token_endpoint"),
    "OIDC_OP_USER_ENDPOINT": ("HELPDESK_OIDC_USERINFO_ENDPOINT", "userinfo_endpoint"),
    "OIDC_OP_JWKS_ENDPOINT": ("HELPDESK_OIDC_JWKS_ENDPOINT", "jwks_uri"),
}


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read."""


def oidc_enabled() -> bool:
    return bool(settings.HELPDESK_OIDC_CLIENT_ID)


def signed_in_through_provider(session) -> bool:
    """Whether this session was signed in through the OpenID Connect provider."""
    return session.get(BACKEND_SESSION_KEY) == OIDC_BACKEND


def provider_configuration() -> dict[str, Any]:
    """The issuer's discovery document, read once an hour per process."""
    issuer = settings.HELPDESK_OIDC_ISSUER
    key = f"oidc-discovery:{issuer}"
    document = caches["config"].get(key)
    if document is None:
        try:
            response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=PROVIDER_TIMEOUT_SECONDS)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            raise ProviderUnavailable(str(error)) from error
        if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer:
            raise ProviderUnavailable(f"{issuer} published a discovery document for another issuer")
        caches["config"].set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def oidc_setting(name: str, *default):
    """A mozilla-django-oidc setting, from the helpdesk's HELPDESK_OIDC_* settings."""
    if name in _FIXED:
        return _FIXED[name]
    if name in _FROM_SETTINGS:
        return getattr(settings, _FROM_SETTINGS[name])
    if name in _ENDPOINTS:
        setting, discovery_key = _ENDPOINTS[name]
        return getattr(settings, setting) or provider_configuration().get(discovery_key, "")
    return import_from_settings(name, *default)


def _setting_property(name: str) -> property:
    return property(lambda self: oidc_setting(name))


def _groups(claims: Mapping[str, Any]) -> list[str]:
    value = claims.get(settings.HELPDESK_OIDC_GROUPS_CLAIM)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return []


class OidcBackend(OIDCAuthenticationBackend):
    """Signs in the person an OpenID Connect provider vouches for, at its callback only:
    the code is exchanged for tokens, the ID token must be RS256 and signed by a key of the
    provider's JWKS, for this client, from this issuer, unexpired, with the nonce of this
    sign-in (state and nonce checks are the library's). Refuses everyone while
    HELPDESK_OIDC_CLIENT_ID is unset, and anyone whose account is disabled."""

    get_settings = staticmethod(oidc_setting)
    OIDC_OP_TOKEN_ENDPOINT = _setting_property("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = _setting_property("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = _setting_property("OIDC_OP_JWKS_ENDPOINT")
    OIDC_RP_CLIENT_ID = _setting_property("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = _setting_property("OIDC_RP_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = SIGNING_ALGORITHM
    OIDC_RP_IDP_SIGN_KEY = None

    def __init__(self, *args, **kwargs) -> None:
        # Django makes a backend for every request of a person signed in through it: the
        # endpoints are looked up only when a sign-in needs them.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        # Only the callback view passes the nonce of the sign-in it started.
        if not oidc_enabled() or request is None or not kwargs.get("nonce"):
            return None
        try:
            return super().authenticate(request, **kwargs)
        except SignInRefused as refusal:
            request.oidc_refusal = refusal.message
        except (
            SuspiciousOperation,
            jwt.PyJWTError,
            requests.RequestException,
            ProviderUnavailable,
            KeyError,
            ValueError,
        ) as error:
            logger.warning("Single sign-on failed: %s", error)
        return None

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != SIGNING_ALGORITHM:
            raise SuspiciousOperation(f"ID token signed with {header.get('alg')!r}, not {SIGNING_ALGORITHM}")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[SIGNING_ALGORITHM],
                audience=settings.HELPDESK_OIDC_CLIENT_ID,
                # As configured, with or without the trailing slash some issuers have.
                issuer=[issuer, issuer + "/"] if (issuer := settings.HELPDESK_OIDC_ISSUER) else None,
                options={"require": ["exp", "iat", "sub", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from error

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, with the userinfo endpoint's over them: Entra ID, for one,
        lists groups in the ID token only."""
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if str(userinfo.get("sub")) != str(payload.get("sub")):
            raise SuspiciousOperation("userinfo is about another subject than the ID token")
        return {**payload, **userinfo}

    def verify_claims(self, claims):
        return bool(claims.get("sub"))

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise SuspiciousOperation("the provider named no subject")
        try:
            return user_sign_in_from_claims(claims=claims, groups=_groups(claims))
        except IntegrityError:
            # Two first sign-ins of one person at once: the other made the account; it is
            # found by its subject now.
            return user_sign_in_from_claims(claims=claims, groups=_groups(claims))

    def get_user(self, user_id):
        """The signed-in person, while single sign-on is on and their account is active."""
        if not oidc_enabled():
            return None
        try:
            user = self.UserModel.objects.get(pk=user_id)
        except self.UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def refusal_message(request) -> str:
    return getattr(request, "oidc_refusal", "") or _(
        "Signing in with %(provider)s did not succeed. Please try again, or sign in with your password."
    ) % {"provider": settings.HELPDESK_OIDC_LABEL}
