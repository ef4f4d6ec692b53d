import base64
import hashlib
import math
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .choices import Level, Role
from .exceptions import LevelMembershipError, SignInRefused
from .models import ApiToken, SupportLevel, User, phone_to_e164
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
        "configuration.view_recomputerun",
        "escalation.view_escalationrule",
        "escalation.add_escalationrule",
        "escalation.change_escalationrule",
        "escalation.delete_escalationrule",
        "escalation.view_escalationrulefiring",
        # Automatic assignment: each level's policy, agents' shift calendars and skills.
        "routing.view_assignmentpolicy",
        "routing.add_assignmentpolicy",
        "routing.change_assignmentpolicy",
        "routing.delete_assignmentpolicy",
        "routing.view_agentprofile",
        "routing.add_agentprofile",
        "routing.change_agentprofile",
        "routing.view_agentskill",
        "routing.add_agentskill",
        "routing.change_agentskill",
        "routing.delete_agentskill",
        # Problems change through their pages and the API; the admin only reads them.
        "problems.view_problem",
        # Email in: the mailboxes read, and every mail that came in (changing one is
        # handing it back for another try).
        "intake.view_mailbox",
        "intake.add_mailbox",
        "intake.change_mailbox",
        "intake.delete_mailbox",
        "intake.view_inboundmessage",
        "intake.change_inboundmessage",
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
        # Second factors: see whose are set up, and reset one (a lost phone) by deleting it.
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",
        "otp_static.view_staticdevice",
        "otp_static.delete_staticdevice",
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


# Roles an outside source's groups can give, strongest first; in none of them: requester.
ROLES_STRONGEST_FIRST = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)


def user_access_follow_groups(
    *, user, groups: set[str], role_groups: Mapping[str, str], level_groups: Mapping[int, str]
) -> None:
    """Give a person the role and support levels an outside source's groups say (the
    organisation's directory, an OpenID Connect provider): ``groups`` are the ones the
    person is in, ``role_groups`` and ``level_groups`` the group named for each role and
    level (empty: none named).

    Once any role has a group, the role is that of the strongest group the person is in, or
    requester when in none, and the admin site goes from one who is no longer an
    administrator; with none named, roles are set in the helpdesk (a person without one
    requests). Each level with a group has the person as a member exactly while they are in
    it; the others are left as they are. Only what changes is written: the audit log keeps
    every change of groups."""
    named_roles = {role: group for role, group in role_groups.items() if group}
    held = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    if named_roles:
        role = next((role for role in ROLES_STRONGEST_FIRST if named_roles.get(role) in groups), Role.REQUESTER)
        if held != {role}:
            user_set_role(user=user, role=role)
        if role != Role.ADMIN and user.is_staff and not user.is_superuser:
            user.is_staff = False
            user.save(update_fields=["is_staff"])
    elif not held:
        user_set_role(user=user, role=Role.REQUESTER)
    named_levels = {number: group for number, group in level_groups.items() if group}
    member_of = set(user.support_levels.values_list("number", flat=True))
    for support_level in SupportLevel.objects.filter(number__in=named_levels):
        wanted = named_levels[support_level.number] in groups
        if wanted and support_level.number not in member_of:
            support_level.members.add(user)
        elif not wanted and support_level.number in member_of:
            support_level.members.remove(user)


# The settings that name the provider's group for each role, strongest first, and for each level.
OIDC_ROLE_GROUPS = [
    (Role.ADMIN, "HELPDESK_OIDC_GROUP_ADMIN"),
    (Role.SUPERVISOR, "HELPDESK_OIDC_GROUP_SUPERVISOR"),
    (Role.AGENT, "HELPDESK_OIDC_GROUP_AGENT"),
]
OIDC_LEVEL_GROUPS = [
    (Level.I, "HELPDESK_OIDC_GROUP_LEVEL_1"),
    (Level.II, "HELPDESK_OIDC_GROUP_LEVEL_2"),
    (Level.III, "HELPDESK_OIDC_GROUP_LEVEL_3"),
]


def _email_verified(claims: Mapping[str, Any]) -> bool:
    # Absent: the provider vouches for the addresses it gives (Entra ID sends none).
    # Some providers write the boolean as a string.
    verified = claims.get("email_verified", True)
    return verified is True or verified == "true"


def _new_username(email: str, subject: str) -> str:
    username = email.lower()
    if len(username) <= 150 and not User.objects.filter(username__iexact=username).exists():
        return username
    return "sso-" + base64.urlsafe_b64encode(hashlib.sha256(subject.encode()).digest()[:12]).decode()


@transaction.atomic
def user_sign_in_from_claims(*, claims: Mapping[str, Any], groups: list[str]) -> User:
    """The active person an OpenID Connect provider vouches for (its claims already
    verified): the account linked to the provider's subject ("sub"); else the one account
    with the address, which the provider must have verified, and which is then linked to
    the subject (an account linked to another subject is never taken over); else a new
    account, when HELPDESK_OIDC_CREATE_USERS allows. Their role and support levels then
    follow ``groups`` as far as HELPDESK_OIDC_GROUP_* name groups. Raises SignInRefused."""
    label = settings.HELPDESK_OIDC_LABEL
    subject = str(claims["sub"])
    email = str(claims.get("email") or "").strip()
    user = get_user_model().objects.select_for_update().filter(oidc_subject=subject).first()
    if user is None:
        if email and not _email_verified(claims):
            raise SignInRefused(
                _("%(provider)s has not verified your email address, so the helpdesk cannot tell who you are.")
                % {"provider": label}
            )
        matches = list(get_user_model().objects.select_for_update().filter(email__iexact=email)[:2]) if email else []
        if len(matches) > 1 or (matches and matches[0].oidc_subject):
            raise SignInRefused(
                _("Your email address belongs to another helpdesk account. Please ask an administrator.")
            )
        if matches:
            user = matches[0]
            user.oidc_subject = subject
            user.save(update_fields=["oidc_subject"])
        elif not email or not settings.HELPDESK_OIDC_CREATE_USERS:
            raise SignInRefused(
                _("No helpdesk account is linked to your %(provider)s account. Please ask an administrator.")
                % {"provider": label}
            )
        else:
            user = get_user_model().objects.create_user(
                _new_username(email, subject),
                email=email,
                first_name=str(claims.get("given_name") or "")[:150],
                last_name=str(claims.get("family_name") or "")[:150],
                oidc_subject=subject,
            )
    if not user.is_active:
        raise SignInRefused(_("Your helpdesk account is disabled. Please ask an administrator."))
    user_access_follow_groups(
        user=user,
        groups=set(groups),
        role_groups={role: getattr(settings, name) for role, name in OIDC_ROLE_GROUPS},
        level_groups={int(level): getattr(settings, name) for level, name in OIDC_LEVEL_GROUPS},
    )
    return user


def _max_length(field: str) -> int:
    return int(getattr(User._meta.get_field(field), "max_length", 0) or 0)


def user_directory_details_fit(*, user) -> None:
    """The details a directory entry gave (just before the account is saved), made to fit
    it as anyone's would: names cut to their fields' length, an email address the field
    takes or none, the mobile number as E.164 (what SMS is sent to) or none."""
    user.first_name = (user.first_name or "").strip()[: _max_length("first_name")]
    user.last_name = (user.last_name or "").strip()[: _max_length("last_name")]
    email = (user.email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        email = ""
    user.email = email if len(email) <= _max_length("email") else ""
    try:
        user.phone = phone_to_e164(user.phone) if user.phone else ""
    except ValidationError:
        user.phone = ""


def _person_name(value: str) -> tuple[str, str]:
    """A typed name as first and last name: control characters gone, spaces folded, the
    first word and the rest, each cut to its field."""
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in value or "")
    words = text.split()
    first = words[0] if words else ""
    return first[: _max_length("first_name")], " ".join(words[1:])[: _max_length("last_name")]


def _caller_username(email: str, phone: str) -> str:
    base = (email or phone).lower()
    if base and len(base) <= 150 and not User.objects.filter(username__iexact=base).exists():
        return base
    return "caller-" + secrets.token_hex(6)


@transaction.atomic
def requester_find_or_create(*, name: str, email: str = "", phone: str = "") -> tuple[User, bool]:
    """The requester a member of staff names by email and/or phone (a caller, a chat
    visitor): the active account with that address (else that number, as E.164) when
    there is one, else a new requester account without a password (they set one through
    "forgot password" when they want the pages). Returns (person, created); raises
    ValidationError keyed by field for a missing name, a bad address or number."""
    first_name, last_name = _person_name(name)
    email = (email or "").strip()
    phone = (phone or "").strip()
    errors: dict[str, str] = {}
    if not first_name:
        errors["name"] = _("Write the caller's name.")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid email address.")
        else:
            if len(email) > _max_length("email"):
                errors["email"] = _("Enter a valid email address.")
    if phone:
        try:
            phone = phone_to_e164(phone)
        except ValidationError:
            errors["phone"] = _("Enter a valid phone number, e.g. 0812 3456 7890 or +62 812 3456 7890.")
    if not email and not phone and "email" not in errors and "phone" not in errors:
        errors["email"] = _("Give an email address or a phone number, so the caller can be found again.")
    if errors:
        raise ValidationError(errors)
    # Two agents creating the same caller at once: the second waits and finds the first's.
    # (SQLite, the embedded default, runs one write transaction at a time anyway.)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for key in filter(None, (email.casefold(), phone)):
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ["requester:" + key])
    people = get_user_model().objects.filter(is_active=True).order_by("pk")
    found = (people.filter(email__iexact=email).first() if email else None) or (
        people.filter(phone=phone).first() if phone else None
    )
    if found is not None:
        return found, False
    user = get_user_model().objects.create_user(
        _caller_username(email, phone), email=email, first_name=first_name, last_name=last_name, phone=phone
    )
    user_set_role(user=user, role=Role.REQUESTER)
    return user, True


def _username_for_address(address: str) -> str:
    """The address itself when it is free and fits the field, else its local part with a
    short digest of the address (the same address always gives the same fallback)."""
    limit = _max_length("username")
    username = address.lower()
    fits = len(username) <= limit and all(ch.isalnum() or ch in "@._+-" for ch in username)
    if fits and not User.objects.filter(username__iexact=username).exists():
        return username
    digest = hashlib.sha256(address.lower().encode()).hexdigest()[:10]
    local = "".join(ch for ch in address.partition("@")[0].lower() if ch.isalnum() or ch in "._+-")
    return f"{local[: limit - 11] or 'mail'}-{digest}"


@transaction.atomic
def requester_create_from_email(*, address: str, display_name: str = "") -> User:
    """A requester account for someone who wrote to the helpdesk without having one: the
    address as user name (or a fallback when taken or too long), the name from the mail's
    display name cut to the fields, no usable password (they set one through "forgot
    password"). Raises ValidationError when the address is not one the field takes."""
    address = address.strip()
    validate_email(address)
    if len(address) > _max_length("email"):
        raise ValidationError(_("The address is too long for an account."), code="email_length")
    name = " ".join("".join(ch for ch in display_name if ch.isprintable()).split())
    if "@" in name:  # a display name that is an address says nothing about the person
        name = ""
    first, _space, last = name.partition(" ")
    user = User(
        username=_username_for_address(address),
        email=address,
        first_name=first[: _max_length("first_name")],
        last_name=last[: _max_length("last_name")],
    )
    user.set_unusable_password()
    user.save(force_insert=True)
    user_set_role(user=user, role=Role.REQUESTER)
    return user


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
    user.save()
    # Directory names are compared as the directory does, whatever their case.
    user_access_follow_groups(
        user=user,
        groups=group_dns,
        role_groups={role: dn.lower() for role, dn in settings.HELPDESK_LDAP_ROLE_GROUPS.items()},
        level_groups={number: dn.lower() for number, dn in settings.HELPDESK_LDAP_LEVEL_GROUPS.items()},
    )


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


# --- two-factor sign-in

TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


@dataclass(frozen=True)
class CodeCheck:
    """What became of a one-time code: the device that accepted it, or the seconds to wait
    before the next try when too many wrong ones came too fast (0: it was simply wrong)."""

    device: Device | None = None
    wait_seconds: int = 0

    @property
    def accepted(self) -> bool:
        return self.device is not None


def _code_check(device: TOTPDevice | StaticDevice, code: str) -> CodeCheck:
    """Verify a code on one device locked for update, refusing without trying it while the
    device's throttle (1, 2, 4 … seconds after each wrong code) lasts."""
    allowed, details = device.verify_is_allowed()
    if not allowed:
        locked_until = (details or {}).get("locked_until")
        wait = (locked_until - timezone.now()).total_seconds() if locked_until else 1
        return CodeCheck(wait_seconds=max(1, math.ceil(wait)))
    if device.verify_token(code):
        return CodeCheck(device=device)
    return CodeCheck()


def is_app_code(code: str) -> bool:
    """An authenticator app's code is six digits; anything else is read as a backup code."""
    return len(code) == 6 and code.isdigit()


@transaction.atomic
def two_factor_code_check(*, user, code: str) -> CodeCheck:
    """Check the second step of a sign-in: a code from the person's app (each accepted once,
    and no code older than the last one used) or one of their backup codes (each used once).
    Wrong codes are throttled per device."""
    if is_app_code(code):
        device: TOTPDevice | StaticDevice | None = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("-pk").first()
        )
    else:
        device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("-pk").first()
    if device is None:
        return CodeCheck()
    return _code_check(device, code)


@transaction.atomic
def totp_device_begin(*, user) -> TOTPDevice:
    """The authenticator app the person is setting up: not in use until a code from it is
    confirmed; the same one (and the same secret) until then, however often the page is shown."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, user, code: str) -> tuple[CodeCheck, list[str]]:
    """Turn on two-factor sign-in with the app being set up, once it shows a current code:
    it becomes the person's only app, and they get a fresh set of backup codes (returned
    once, with the check; none when the code was refused)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None or not is_app_code(code):
        return CodeCheck(), []
    check = _code_check(device, code)
    if not check.accepted:
        return check, []
    for other in TOTPDevice.objects.filter(user=user).exclude(pk=device.pk):
        other.delete()
    device.confirmed = True
    device.save()
    return check, backup_codes_regenerate(user=user)


@transaction.atomic
def backup_codes_regenerate(*, user) -> list[str]:
    """A new set of HELPDESK_2FA_BACKUP_CODES one-time backup codes for the person; the old
    ones stop working. Only their device keeps them; they are returned to be shown once."""
    device = StaticDevice.objects.select_for_update().filter(user=user).order_by("-pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    elif not device.confirmed:
        device.confirmed = True
        device.save()
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.HELPDESK_2FA_BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def two_factor_disable(*, user) -> bool:
    """Turn off the person's two-factor sign-in: their app and backup codes are deleted (each
    deletion recorded in the configuration's audit). False when it was not on."""
    devices = [*TOTPDevice.objects.filter(user=user), *StaticDevice.objects.filter(user=user)]
    was_on = any(device.confirmed for device in devices if isinstance(device, TOTPDevice))
    for device in devices:
        device.delete()
    return was_on


@transaction.atomic
def support_level_member_add(*, level: int, user_id: int) -> SupportLevel:
    """An agent works this level from now on (members are agents, supervisors or
    administrators; requesters work no level)."""
    support_level = SupportLevel.objects.select_for_update().filter(number=level).first()
    if support_level is None:
        raise LevelMembershipError(_("That support level does not exist."))
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_perm("tickets.work_ticket"):
        raise LevelMembershipError(_("Only active support staff can work a level."))
    support_level.members.add(user)
    return support_level


@transaction.atomic
def support_level_member_remove(*, level: int, user_id: int) -> SupportLevel:
    """An agent no longer works this level."""
    support_level = SupportLevel.objects.select_for_update().filter(number=level).first()
    if support_level is None:
        raise LevelMembershipError(_("That support level does not exist."))
    support_level.members.remove(user_id)
    return support_level
