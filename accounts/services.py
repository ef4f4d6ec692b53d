import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.utils import timezone

from .choices import Role
from .models import ApiToken
from .selectors import api_token_cache_key, api_tokens_forget

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
