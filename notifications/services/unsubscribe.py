"""Opting out of a kind of email from the email itself: a signed link in the
``List-Unsubscribe`` header (RFC 2369), which mail programs also POST to in one click
(RFC 8058), and the page behind it.

Only mail the person could turn off on their notification settings carries it: a
requester's acknowledgement (the one courtesy mail, turned off by "essential email
only"), and each kind of staff notification (taken off the kinds staff get by email).
Mail about one's own account, and the requester's replies and resolutions, which ask
something of them, carry none.

The token names the person and the kind, signed with ``SECRET_KEY`` and dated; it is the
only authority the page needs, so it works without signing in, and stops working after
``UNSUBSCRIBE_MAX_AGE``.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..choices import NON_ESSENTIAL_KINDS, STAFF_KINDS
from ..exceptions import UnsubscribeLinkError
from ..models import NotificationPreference

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
UNSUBSCRIBE_MAX_AGE = timedelta(days=180)
ONE_CLICK = "List-Unsubscribe=One-Click"


def email_opt_out_allowed(*, kind: str) -> bool:
    """Whether mail of this kind is mail its recipient may turn off."""
    return kind in NON_ESSENTIAL_KINDS or kind in STAFF_KINDS


def unsubscribe_token(*, user, kind: str) -> str:
    """A dated, signed token naming this person and this kind of mail."""
    return signing.dumps({"user": user.pk, "kind": str(kind)}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(*, user, kind: str) -> str:
    """The unsubscribe link of a mail of this kind to this person ("" when they may not
    turn it off)."""
    if not email_opt_out_allowed(kind=kind):
        return ""
    token = unsubscribe_token(user=user, kind=kind)
    return settings.HELPDESK_BASE_URL + reverse("notifications:unsubscribe", kwargs={"token": token})


def unsubscribe_headers(url: str) -> dict[str, str]:
    """The ``List-Unsubscribe`` headers of a mail with this unsubscribe link (none without)."""
    if not url:
        return {}
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK}


def unsubscribe_token_read(*, token: str):
    """The person and the kind a token names. Raises ``UnsubscribeLinkError`` (with a
    message for the person) for a token that is forged, damaged, expired, or names a
    person who is gone or a kind that cannot be turned off."""
    try:
        data = signing.loads(str(token), salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.SignatureExpired:
        raise UnsubscribeLinkError(
            _("This unsubscribe link has expired. Use the link in a newer email, or change your notification settings.")
        ) from None
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise UnsubscribeLinkError(_("This unsubscribe link is not valid. It may have been cut short.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int) or not isinstance(data.get("kind"), str):
        raise UnsubscribeLinkError(_("This unsubscribe link is not valid. It may have been cut short."))
    kind = data["kind"]
    user = get_user_model().objects.filter(pk=data["user"], is_active=True).first()
    if user is None or not email_opt_out_allowed(kind=kind):
        raise UnsubscribeLinkError(_("This unsubscribe link is not valid. It may have been cut short."))
    return user, kind


@transaction.atomic
def notification_email_subscription_set(*, user, kind: str, wanted: bool) -> bool:
    """Turn mail of this kind to this person off (or back on): for the requester's
    acknowledgement, "essential email only"; for a staff kind, that kind among the ones
    they get by email. The person's other choices are kept. Returns whether anything
    changed."""
    if not email_opt_out_allowed(kind=kind):
        raise UnsubscribeLinkError(_("This kind of email cannot be turned off."))
    NotificationPreference.objects.get_or_create(user=user)
    preference = NotificationPreference.objects.select_for_update().get(user=user)
    if kind in NON_ESSENTIAL_KINDS:
        changed = preference.essential_email_only == wanted
        preference.essential_email_only = not wanted
        fields = ["essential_email_only"]
    else:
        kinds = [str(item) for item in (preference.email_kinds or []) if str(item) != kind]
        if wanted:
            kinds.append(str(kind))
        changed = sorted(kinds) != sorted(str(item) for item in (preference.email_kinds or []))
        preference.email_kinds = kinds
        fields = ["email_kinds"]
    if changed:
        preference.save(update_fields=fields)
    return changed
