import hashlib
import math
import secrets

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .choices import Role
from .models import ApiToken, SupportLevel
from .selectors import (
    api_token_cache_key,
    api_token_failures_key,
    api_token_lockout_key,
    api_tokens_forget,
    password_reset_counter_keys,
)

# Permission codenames (app_label.codename) each role's group carries.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.REQUESTER: ["tickets.add_ticket"],
    Role.AGENT: ["tickets.add_ticket", "tickets.work_ticket"],
    Role.SUPERVISOR: ["tickets.add_ticket", "tickets.work_ticket", "tickets.supervise_ticket"],
    Role.ADMIN: [
        "tickets.add_ticket",
        "tickets.work_ticket",
        "tickets.supervise_ticket",
        "tickets.view_category",
        "tickets.add_category",
        "tickets.change_category",
        "tickets.delete_category",
        "accounts.view_supportlevel",
        "accounts.change_supportlevel",
        "notifications.view_notification",
        "notifications.view_notificationpreference",
        "notifications.view_webhookendpoint",
        "notifications.add_webhookendpoint",
        "notifications.change_webhookendpoint",
        "notifications.delete_webhookendpoint",
        "notifications.change_notificationpreference",
        "sla.view_calendar",
        "sla.add_calendar",
        "sla.change_calendar",
        "sla.view_workingperiod",
        "sla.add_workingperiod",
        "sla.change_workingperiod",
        "sla.delete_workingperiod",
        "sla.view_holiday",
        "sla.add_holiday",
        "sla.change_holiday",
        "sla.delete_holiday",
        "sla.view_slapolicy",
        "sla.add_slapolicy",
        "sla.change_slapolicy",
        "sla.delete_slapolicy",
        "sla.view_slaevent",
        "escalation.view_escalationrule",
        "escalation.add_escalationrule",
        "escalation.change_escalationrule",
        "escalation.delete_escalationrule",
        "escalation.view_escalationrulefiring",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "auth.view_group",
        "auth.change_group",
        "auth.add_group",
        "auditlog.view_logentry",
        # Sign-in lockouts (django-axes): see them, and lift one by deleting its attempts.
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accessfailurelog",
    ],
}


def roles_sync() -> None:
    """Create the role groups and give each exactly its listed permissions (idempotent)."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        permissions = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                permissions.append(permission)
        group.permissions.set(permissions)


def roles_sync_on_migrate(**kwargs) -> None:
    roles_sync()


def user_set_role(*, user, role: str) -> None:
    """Put the user in exactly one role group; administrators also reach the admin site."""
    role_groups = Group.objects.filter(name__in=Role.values)
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get(name=role))
    if role == Role.ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


# The roles a directory group can give, strongest first; anyone in none of them requests.
DIRECTORY_ROLE_ORDER = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)


def user_directory_accepted(*, user, dn: str, group_dns: set[str]) -> None:
    """The directory vouched for this person just now (a sign-in or a recheck): mark the
    account as the directory's, open it again if the directory had shut it, and give it
    the role and levels its directory groups name (when groups are named for them).

    Its local password goes: the directory checks passwords for the people it holds, so
    one it later refuses has no other way in."""
    user.directory_dn = dn
    user.directory_checked_at = timezone.now()
    if user.directory_disabled_at is not None:
        user.directory_disabled_at = None
        user.is_active = True
    if user.has_usable_password():
        user.set_unusable_password()
    role_groups: dict[str, str] = settings.HELPDESK_LDAP_ROLE_GROUPS
    role = None
    if role_groups:
        role = next((name for name in DIRECTORY_ROLE_ORDER if role_groups.get(name, "").lower() in group_dns), None)
        role = role or Role.REQUESTER
        # Only administrators reach the admin site; a directory account's role is the directory's.
        if role != Role.ADMIN and user.is_staff and not user.is_superuser:
            user.is_staff = False
    user.save()
    if role is not None and set(user.groups.filter(name__in=Role.values).values_list("name", flat=True)) != {role}:
        user_set_role(user=user, role=role)
    level_groups: dict[int, str] = settings.HELPDESK_LDAP_LEVEL_GROUPS
    if level_groups:
        wanted = {number for number, group in level_groups.items() if group.lower() in group_dns}
        held = set(user.support_levels.values_list("number", flat=True))
        if wanted - held:
            user.support_levels.add(*SupportLevel.objects.filter(number__in=wanted - held))
        if held - wanted:
            user.support_levels.remove(*SupportLevel.objects.filter(number__in=held - wanted))


def user_directory_refused(*, user) -> None:
    """The directory no longer accepts this person: shut the account (sessions and API
    tokens stop at once) until the directory accepts them again at a sign-in."""
    now = timezone.now()
    user.is_active = False
    user.directory_disabled_at = now
    user.directory_checked_at = now
    user.save(update_fields=["is_active", "directory_disabled_at", "directory_checked_at"])


def user_directory_checked(*, user) -> None:
    """The directory could not be asked: the last answer stands until the next check."""
    user.directory_checked_at = timezone.now()
    user.save(update_fields=["directory_checked_at"])


def user_language_set(*, user, language: str) -> None:
    """Remember the user's language; notifications to them are written in it."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


PROFILE_FIELDS = ("first_name", "last_name", "email", "phone", "language", "time_zone")


def user_profile_update(*, user, data: dict) -> None:
    """Save the fields a person may change about themselves (already validated)."""
    changed = [field for field in PROFILE_FIELDS if field in data and getattr(user, field) != data[field]]
    for field in changed:
        setattr(user, field, data[field])
    if changed:
        user.save(update_fields=changed)


API_TOKEN_PREFIX = "hdk_"  # noqa: S105 - a marker that tells keys apart, not a secret


def api_token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for the user; returns it with its key, which is never stored or shown again."""
    key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:80], prefix=key[: len(API_TOKEN_PREFIX) + 6], digest=api_token_digest(key)
    )
    return token, key


def api_token_revoke(*, user, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False if there is no such active token. It
    stops working at once (its cached copy goes with it)."""
    revoked = bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )
    if revoked:
        api_tokens_forget(user_ids=[user.pk])
    return revoked


def api_token_used(*, token: ApiToken, at) -> None:
    """Remember when a token was last used (at most every few minutes, not on every
    request), in the database and in the token's cached copy."""
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)
    token.last_used_at = at
    if settings.HELPDESK_API_TOKEN_CACHE_SECONDS > 0:
        cache.set(api_token_cache_key(token.digest), token, settings.HELPDESK_API_TOKEN_CACHE_SECONDS)


def _count(key: str, *, seconds: float) -> int:
    """Add one to a cache counter that lives ``seconds`` from its first count; the new value."""
    timeout = max(1, math.ceil(seconds))
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # it expired between the two calls
        cache.set(key, 1, timeout=timeout)
        return 1


def api_token_failure_record(*, address: str) -> int:
    """Count a wrong API token from this client address. The HELPDESK_API_TOKEN_FAILURE_LIMIT-th
    within the cool-off locks the address out for the cool-off (AXES_COOLOFF_TIME); returns the
    seconds it is locked out for, or 0."""
    cool_off = settings.AXES_COOLOFF_TIME.total_seconds()
    failures = _count(api_token_failures_key(address), seconds=cool_off)
    if failures < settings.HELPDESK_API_TOKEN_FAILURE_LIMIT:
        return 0
    until = timezone.now().timestamp() + cool_off
    cache.set(api_token_lockout_key(address), until, timeout=max(1, math.ceil(cool_off)))
    cache.delete(api_token_failures_key(address))
    return max(1, math.ceil(cool_off))


def password_reset_request_admit(*, email: str, address: str) -> bool:
    """Count a request for a reset mail to this email address from this client address;
    False once either has asked more than its limit within the hour (no mail is sent then).
    Every request counts, whether or not an account has the address, so the answer never
    tells one from the other."""
    window = settings.HELPDESK_PASSWORD_RESET_WINDOW.total_seconds()
    email_key, client_key = password_reset_counter_keys(email=email, address=address)
    by_client = _count(client_key, seconds=window)
    by_email = _count(email_key, seconds=window)
    return (
        by_client <= settings.HELPDESK_PASSWORD_RESET_CLIENT_LIMIT
        and by_email <= settings.HELPDESK_PASSWORD_RESET_EMAIL_LIMIT
    )


def api_tokens_revoke_all(*, user_id: int) -> int:
    """Revoke every active API token of a person (after a new password); returns how many.
    They stop at once: their cached copies go after the revocation is written."""
    revoked = ApiToken.objects.filter(user_id=user_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        api_tokens_forget(user_ids=[user_id])
        # Again once it commits: a request in between may have cached a token still active.
        transaction.on_commit(lambda: api_tokens_forget(user_ids=[user_id]))
    return revoked
