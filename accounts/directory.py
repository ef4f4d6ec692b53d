"""Sign-in with the organisation's directory (LDAP or Active Directory), by django-auth-ldap.

The directory is the source of truth for the people it holds: at every sign-in their
name, email and mobile number are read from it, and so are their role and support levels
when the HELPDESK_LDAP_GROUP_* settings name groups for them. Their local password is
never used (the directory checks it), so a person the directory no longer accepts — locked,
disabled, deleted, or out of the required group — cannot sign in here by any other way.

People already signed in, and their API tokens, are checked against the directory again
at most every HELPDESK_LDAP_RECHECK_MINUTES: the first page or API call after that asks the
directory, and a person it refuses is signed out and their tokens stop working."""

import logging
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_auth_ldap.backend import LDAPBackend, ldap_error, populate_user
from django_auth_ldap.config import LDAPGroupQuery

from .services import (
    user_directory_accepted,
    user_directory_checked,
    user_directory_details_fit,
    user_directory_refused,
)

logger = logging.getLogger(__name__)

# The directory faults (no answer, refused service account) seen during one recheck:
# django-auth-ldap reports them by its ldap_error signal, and answers None as for a
# person it does not hold.
_faults: ContextVar[list[str]] = ContextVar("directory_faults")


def _fault_seen(sender, context, exception, **kwargs) -> None:
    seen = _faults.get(None)
    if seen is not None:
        seen.append(f"{context}: {exception}")


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap's backend, with the helpdesk's roles, levels and rechecks."""

    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is not None:
            user_directory_accepted(user=user, dn=ldap_user.dn, group_dns=_group_dns(ldap_user))
            if not self.user_can_authenticate(user):
                return None
        return user

    def user_can_authenticate(self, user) -> bool:
        """As Django's ModelBackend: an account deactivated here stays shut."""
        return getattr(user, "is_active", True)

    def get_user(self, user_id):
        user = super().get_user(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        if not directory_recheck(user, backend=self):
            return None
        return user


ldap_error.connect(_fault_seen, sender=DirectoryBackend, dispatch_uid="accounts.directory.faults")


def _details_read(sender, user, ldap_user, **kwargs) -> None:
    # django-auth-ldap's hook between reading the entry's attributes and saving the account.
    user_directory_details_fit(user=user)


populate_user.connect(_details_read, sender=DirectoryBackend, dispatch_uid="accounts.directory.details")


def directory_recheck_due(user) -> bool:
    if not user.directory_dn:
        return False
    checked = user.directory_checked_at
    interval = timedelta(minutes=settings.HELPDESK_LDAP_RECHECK_MINUTES)
    return checked is None or timezone.now() - checked >= interval


def directory_recheck(user, *, backend: LDAPBackend | None = None) -> bool:
    """Whether this person may still act, asking the directory again when their last check
    is older than HELPDESK_LDAP_RECHECK_MINUTES (people it does not hold are not asked).

    The directory refuses a person it no longer finds with the user search (deleted, or
    disabled where the search's filter excludes disabled accounts), and one outside
    HELPDESK_LDAP_REQUIRE_GROUP or inside HELPDESK_LDAP_DENY_GROUP. An unreachable directory
    refuses nobody: the person keeps the last answer until the next check."""
    if not directory_recheck_due(user):
        return True
    if not getattr(settings, "AUTH_LDAP_SERVER_URI", ""):
        # The directory is no longer configured: its people cannot be vouched for.
        user_directory_refused(user=user)
        return False
    backend = backend or DirectoryBackend()
    username = getattr(user, "ldap_username", None) or user.get_username()
    faults = _faults.set([])
    try:
        found = backend.populate_user(username)
        reachable = not _faults.get()
    finally:
        _faults.reset(faults)
    if not reachable:
        logger.warning("The directory did not answer for %s; their last check stands", username)
        user_directory_checked(user=user)
        return True
    if found is None or not _meets_requirements(backend, found.ldap_user):
        user_directory_refused(user=user)
        return False
    user_directory_accepted(user=found, dn=found.ldap_user.dn, group_dns=_group_dns(found.ldap_user))
    # The caller's copy learns what the directory said.
    for field in ("is_active", "directory_checked_at", "directory_disabled_at"):
        setattr(user, field, getattr(found, field))
    return bool(found.is_active)


def _meets_requirements(backend: LDAPBackend, ldap_user) -> bool:
    required = backend.settings.REQUIRE_GROUP
    if required is not None:
        query = required if isinstance(required, LDAPGroupQuery) else LDAPGroupQuery(required)
        if not query.resolve(ldap_user):
            return False
    denied = backend.settings.DENY_GROUP
    return not (denied and denied.lower() in _group_dns(ldap_user))


def _group_dns(ldap_user) -> set[str]:
    if not getattr(settings, "AUTH_LDAP_GROUP_SEARCH", None):
        return set()
    return {dn.lower() for dn in ldap_user.group_dns}
