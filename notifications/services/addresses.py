"""Addresses mail no longer reaches, as bounces tell, and mail to an address without an account."""

from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ..choices import NotificationChannel
from ..models import FailingAddress, Notification
from .delivery import notification_enqueue

REASON_MAX = 2000
TEXT_ENGINE = "text"


@transaction.atomic
def mail_address_failing_record(*, address: str, reason: str, status_code: str = "", at=None) -> FailingAddress:
    """Mark an address as failing (a bounce said so): one row per address, lower case,
    holding the latest reason and time and how many bounces came."""
    address = address.strip().lower()[:320]
    at = at or timezone.now()
    reason = reason[:REASON_MAX]
    status_code = status_code[:32]
    updated = FailingAddress.objects.filter(address=address).update(
        reason=reason, status_code=status_code, bounces=F("bounces") + 1, last_failed_at=at
    )
    if not updated:
        FailingAddress.objects.get_or_create(
            address=address,
            defaults={"reason": reason, "status_code": status_code, "first_failed_at": at, "last_failed_at": at},
        )
    return FailingAddress.objects.get(address=address)


def notification_queue_to_address(
    *, kind: str, address: str, context: dict, headers: dict[str, str] | None = None, language: str | None = None
) -> Notification:
    """One email to an address that has no account (no preferences to weigh), in
    ``language`` or the helpdesk's, through the outbox, in the caller's transaction."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{kind}_subject.txt", context, using=TEXT_ENGINE)
        row = Notification.objects.create(
            kind=kind,
            channel=NotificationChannel.EMAIL,
            address=address[:500],
            headers=headers or {},
            subject=" ".join(subject.split())[:255],
            body_text=render_to_string(f"emails/{kind}_body.txt", context, using=TEXT_ENGINE).strip() + "\n",
            body_html=render_to_string(f"emails/{kind}_body.html", context),
        )
    transaction.on_commit(partial(notification_enqueue, [(row.pk, row.channel)]))
    return row
