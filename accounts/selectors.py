"""Reads of the accounts app: roles, API tokens, second factors, and who works (and may act at) which level."""

import hashlib
import math
from collections.abc import Iterable

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .choices import Level, Role
from .models import ApiToken, SupportLevel


def user_role(user) -> str | None:
    """The strongest role the user holds, or None for an anonymous visitor."""
    if not user.is_authenticated:
        return None
    # Only administrators manage accounts (read from the permission cache has_perm fills).
    if user.is_superuser or user.has_perm("accounts.change_user"):
        return Role.ADMIN
    if user.has_perm("tickets.supervise_ticket"):
        return Role.SUPERVISOR
    if user.has_perm("tickets.work_ticket"):
        return Role.AGENT
    return Role.REQUESTER


def api_tokens_for(*, user):
    """The person's API tokens, newest first (revoked ones too, marked)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def api_token_cache_key(digest: str) -> str:
    return f"api-token:{digest}"


def api_token_with_user(*, digest: str) -> ApiToken | None:
    """The unrevoked token with this digest, its person attached (with their permissions
    read); None when there is none. Every API request asks, so a token found is kept in
    the cache for HELPDESK_API_TOKEN_CACHE_SECONDS: revoking it, or changing its person,
    their groups or their groups' permissions, removes it there at once (apps.py)."""
    key = api_token_cache_key(digest)
    return cache.get(key) or _api_token_read(digest, key)


def api_token_for_request(*, digest: str, address: str) -> tuple[int, ApiToken | None]:
    """What an API request with a token needs first: the seconds its client address is
    still refused for after too many wrong tokens (and then no token), else 0 and the token
    as api_token_with_user finds it. Both come from the cache in one round trip."""
    lockout_key = api_token_lockout_key(address)
    key = api_token_cache_key(digest)
    found = cache.get_many([lockout_key, key])
    locked_for = _seconds_left(found.get(lockout_key))
    if locked_for:
        return locked_for, None
    return 0, found.get(key) or _api_token_read(digest, key)


def _api_token_read(digest: str, key: str) -> ApiToken | None:
    token = ApiToken.objects.select_related("user").filter(digest=digest, revoked_at__isnull=True).first()
    if token is None:
        return None
    token.user.get_all_permissions()  # read now, kept with the person
    if settings.HELPDESK_API_TOKEN_CACHE_SECONDS > 0:
        cache.set(key, token, settings.HELPDESK_API_TOKEN_CACHE_SECONDS)
    return token


def api_tokens_forget(*, user_ids: Iterable[int] | None) -> None:
    """Drop the cached tokens of these people, or of everyone (None), after a change to
    them or to their access."""
    tokens = ApiToken.objects.all() if user_ids is None else ApiToken.objects.filter(user_id__in=list(user_ids))
    digests = tokens.values_list("digest", flat=True)
    cache.delete_many([api_token_cache_key(digest) for digest in digests])


def client_address(request) -> str:
    """The address a request came from, as sign-in throttling counts it: the connection's,
    or behind HELPDESK_TRUSTED_PROXY_COUNT proxies the one they say they received it from.
    Worked out once per request."""
    address = getattr(request, "_helpdesk_client_address", None)
    if address is None:
        if tuple(settings.AXES_IPWARE_META_PRECEDENCE_ORDER) == ("REMOTE_ADDR",):
            # No proxy: the connection's address is the answer, without asking ipware.
            address = request.META.get("REMOTE_ADDR", "")
        else:
            address = get_client_ip_address(request) or ""
        request._helpdesk_client_address = address
    return address


def _hashed(kind: str, value: str) -> str:
    # Cache keys of a fixed shape, whatever a client wrote.
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def api_token_failures_key(address: str) -> str:
    return _hashed("api-token-failures", address)


def api_token_lockout_key(address: str) -> str:
    return _hashed("api-token-lockout", address)


def api_token_lockout_seconds(*, address: str) -> int:
    """Seconds left before this address may try API tokens again after too many wrong
    ones (0: it may now)."""
    return _seconds_left(cache.get(api_token_lockout_key(address)))


def _seconds_left(until: float | None) -> int:
    if until is None:
        return 0
    left = until - timezone.now().timestamp()
    return max(1, math.ceil(left)) if left > 0 else 0


def password_reset_counter_keys(*, email: str, address: str) -> tuple[str, str]:
    """The cache counters of reset mail asked for one address and from one client."""
    return _hashed("password-reset-email", email.strip().casefold()), _hashed("password-reset-client", address)


def agent_levels(user) -> list[int]:
    """The levels a user may work, memoised on the user object for the request.

    Supervisors and administrators work every level; agents the levels they are members
    of; everyone else none.
    """
    cached = getattr(user, "_helpdesk_levels", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        levels: list[int] = []
    elif user.has_perm("tickets.supervise_ticket"):
        levels = list(Level.values)
    elif user.has_perm("tickets.work_ticket"):
        levels = sorted(user.support_levels.values_list("number", flat=True))
    else:
        levels = []
    user._helpdesk_levels = levels
    return levels


def agent_can_act_at(user, level: int) -> bool:
    """An agent may act on tickets at their highest level and below, never above."""
    levels = agent_levels(user)
    return bool(levels) and level <= max(levels)


def level_agents(*, level: int) -> QuerySet:
    """Active people who work the given level (its members), for routing notices."""
    return get_user_model().objects.filter(is_active=True, support_levels__number=level).distinct()


def assignable_agents(*, level: int) -> QuerySet:
    """People who may own a ticket at this level: members of this level or a higher one,
    and supervisors and administrators, who work every level."""
    return (
        get_user_model()
        .objects.filter(
            Q(support_levels__number__gte=level)
            | Q(groups__name__in=[Role.SUPERVISOR, Role.ADMIN])
            | Q(is_superuser=True),
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "username")
    )


def level_supervisors(*, level: int) -> list:
    """Supervisors of a level: those who are members of it, else every supervisor."""
    supervisors = get_user_model().objects.filter(is_active=True, groups__name=Role.SUPERVISOR).distinct()
    own = list(supervisors.filter(support_levels__number=level))
    return own or list(supervisors)


def two_factor_required(user) -> bool:
    """Whether the person's role must sign in with a second factor (HELPDESK_2FA_REQUIRED_ROLES)."""
    role = user_role(user)
    return role is not None and role in settings.HELPDESK_2FA_REQUIRED_ROLES


def two_factor_enabled(user) -> bool:
    """Whether the person signs in with an authenticator app's code after their password."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# Sessions signed in through these backends had their second factor asked for elsewhere:
# the OpenID Connect provider decides how its people prove who they are.
SECOND_FACTOR_ELSEWHERE = frozenset({"accounts.oidc.OidcBackend"})


def two_factor_step(user, session=None) -> str | None:
    """What a signed-in session still lacks before it may use the helpdesk: "verify" (a code
    from the person's app), "setup" (their role needs an app they have not set up), or None
    (also for a session signed in through single sign-on: the provider asks for its own)."""
    if not user.is_authenticated:
        return None
    if session is not None and session.get(BACKEND_SESSION_KEY) in SECOND_FACTOR_ELSEWHERE:
        return None
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return None
    if two_factor_enabled(user):
        return "verify"
    if two_factor_required(user):
        return "setup"
    return None


def backup_codes_left(*, user) -> int:
    """How many of the person's one-time backup codes are still unused."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


STAFF_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


def person_by_identifier(*, value: str):
    """The one active account a caller of the API names: by id (digits), login name or
    email address, case-insensitively; None when no account, or more than one, fits."""
    value = (value or "").strip()
    if not value or "\x00" in value or len(value) > 254:
        return None
    people = get_user_model().objects.filter(is_active=True)
    if value.isdigit():
        return people.filter(pk=int(value)).first() if len(value) <= 18 else None
    found = list(people.filter(username__iexact=value)[:2])
    if len(found) != 1 and "@" in value:
        found = list(people.filter(email__iexact=value)[:2])
    return found[0] if len(found) == 1 else None


def callers() -> QuerySet:
    """People a member of staff may log a call or chat for: active accounts that do not
    work tickets (requesters), support staff and administrators left out."""
    return get_user_model().objects.filter(is_active=True, is_superuser=False).exclude(groups__name__in=STAFF_ROLES)


def support_levels_with_members() -> QuerySet:
    """The support levels, each with its members (two queries, whatever their number)."""
    return SupportLevel.objects.prefetch_related(
        Prefetch("members", queryset=get_user_model().objects.order_by("first_name", "username"))
    ).order_by("number")


def support_staff() -> QuerySet:
    """Active people who work tickets: who may be made a member of a level."""
    return (
        get_user_model()
        .objects.filter(
            Q(groups__name__in=[Role.AGENT, Role.SUPERVISOR, Role.ADMIN]) | Q(is_superuser=True), is_active=True
        )
        .distinct()
        .order_by("first_name", "username")
    )
