"""Chasing overdue vendors: once a vendor's response or resolution is due and still
owed (and then every HELPDESK_VENDOR_REMINDER_HOURS), a reminder to the vendor's contact,
threaded on the first mail, and a notice to the ticket's assignee. Each reminder slot is
claimed with a conditional UPDATE of ``next_reminder_at``, so two workers sweeping at
once send it once."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notifications.choices import NotificationKind
from notifications.services import notification_queue_to_address
from tickets.models import Ticket

from ..choices import VendorEscalationStatus
from ..models import VendorEscalation
from .escalations import escalation_context, next_reminder, owed_target, vendor_assignee_notify, vendor_mail_headers

BATCH = 200


def vendor_reminders_due(*, now: datetime, limit: int = BATCH) -> list[tuple[int, datetime | None]]:
    """The escalations whose reminder slot has come (id and slot), oldest first: one
    query over the partial index on ``next_reminder_at``."""
    return list(
        VendorEscalation.objects.filter(
            status=VendorEscalationStatus.OPEN, next_reminder_at__isnull=False, next_reminder_at__lte=now
        )
        .order_by("next_reminder_at", "id")
        .values_list("id", "next_reminder_at")[:limit]
    )


@transaction.atomic
def vendor_reminder_send(*, escalation_id: int, slot: datetime | None, now: datetime | None = None) -> bool:
    """Send the reminder of one slot if this caller claims it (the row still has that
    slot, open); the next slot is set in the same UPDATE. False when another worker
    claimed it first or the escalation moved on."""
    now = now or timezone.now()
    escalation = VendorEscalation.objects.select_related("vendor", "contract", "contact", "escalated_by").get(
        pk=escalation_id
    )
    if slot is None:
        return False
    following = next_reminder(escalation, after=slot)
    # A sweep that comes late (workers down) chases once, not once per missed slot.
    if following is not None and following <= now:
        following = now + timedelta(hours=settings.HELPDESK_VENDOR_REMINDER_HOURS)
    claimed = VendorEscalation.objects.filter(
        pk=escalation_id, status=VendorEscalationStatus.OPEN, next_reminder_at=slot
    ).update(next_reminder_at=following, reminders_sent=F("reminders_sent") + 1)
    if claimed != 1:
        return False
    ticket = Ticket.objects.select_related("assignee").get(pk=escalation.ticket_id)
    target = owed_target(escalation)
    due = escalation.response_due_at if target == "response" else escalation.resolution_due_at
    context = {**escalation_context(escalation, ticket), "target": target, "due_at": due}
    address = escalation.contact.email if escalation.contact and escalation.contact.email else ""
    address = address or escalation.contact_email
    if address:
        row = notification_queue_to_address(
            kind=NotificationKind.VENDOR_REMINDER,
            address=address,
            context=context,
            headers=vendor_mail_headers(ticket, first_message_id=escalation.message_id),
            language=settings.LANGUAGE_CODE,
        )
        row.ticket = ticket
        row.save(update_fields=["ticket"])
    vendor_assignee_notify(escalation=escalation, ticket=ticket, kind=NotificationKind.VENDOR_OVERDUE, context=context)
    return True


def vendor_reminders_send(*, now: datetime | None = None) -> int:
    """Periodic: send every reminder whose slot has come; how many were sent."""
    now = now or timezone.now()
    return sum(vendor_reminder_send(escalation_id=pk, slot=slot, now=now) for pk, slot in vendor_reminders_due(now=now))
