"""Taking a Level III ticket to a vendor and following it up: the escalation, the vendor's
clock, the mail to the vendor's contact, and the ticket waiting on the vendor meanwhile
(our SLA clock paused) until the escalation is closed."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Level
from notifications.choices import NotificationKind
from notifications.services import notification_queue_to_address
from sla.models import Calendar
from sla.selectors import business_calendar, sla_policy_for
from tickets.choices import EventKind, Status
from tickets.exceptions import TicketError
from tickets.models import Ticket
from tickets.services import ticket_notify, ticket_vendor_wait_end, ticket_vendor_wait_start
from tickets.services.common import event_record, ticket_lock
from tickets.text import multi_line, single_line
from tickets.threading import mail_domain, ticket_reply_address, ticket_subject_tag

from ..choices import VendorEscalationStatus, VendorTarget
from ..exceptions import VendorError, VendorNotAllowedError
from ..models import Vendor, VendorContact, VendorContract, VendorEscalation
from ..rules import can_escalate_to_vendor

MESSAGE_MAX = 20_000
REFERENCE_MAX = 120


def _require_escalator(by) -> None:
    if not can_escalate_to_vendor(by):
        raise VendorNotAllowedError(_("Only Level III staff and supervisors can take a ticket to a vendor."))


def vendor_calendar(*, contract: VendorContract, ticket: Ticket) -> Calendar | None:
    """The business calendar a contract counts in: its own, else that of the ticket's SLA
    policy, else the helpdesk's first calendar with office hours (None: wall clock)."""
    if not contract.business_hours_only:
        return None
    if contract.calendar_id is not None:
        return contract.calendar
    policy = sla_policy_for(priority=ticket.priority, category_id=ticket.category_id)
    if policy is not None and not policy.calendar.always_open:
        return policy.calendar
    return Calendar.objects.filter(always_open=False).order_by("pk").first()


def vendor_due_times(
    *, contract: VendorContract | None, ticket: Ticket, start: datetime
) -> tuple[datetime | None, datetime | None]:
    """When the vendor owes a response and a resolution, counted from ``start``: in the
    business hours of the contract's calendar when it says so, else by the wall clock."""
    if contract is None:
        return None, None
    response = timedelta(minutes=contract.response_minutes)
    resolution = timedelta(minutes=contract.resolution_minutes)
    calendar = vendor_calendar(contract=contract, ticket=ticket)
    if calendar is None:
        return start + response, start + resolution
    hours = business_calendar(calendar, around=start)
    return hours.add(start, response), hours.add(start, resolution)


def next_reminder(escalation: VendorEscalation, *, after: datetime | None = None) -> datetime | None:
    """When the vendor is next chased: at the due time of the promise they still owe
    (response first, then resolution); once that has passed and they were reminded at
    ``after``, HELPDESK_VENDOR_REMINDER_HOURS later. None when nothing is owed."""
    if escalation.status != VendorEscalationStatus.OPEN:
        return None
    due = escalation.response_due_at if escalation.responded_at is None else escalation.resolution_due_at
    if escalation.resolved_at is not None or due is None:
        return None
    if after is None or after < due:
        return due
    return after + timedelta(hours=settings.HELPDESK_VENDOR_REMINDER_HOURS)


def owed_target(escalation: VendorEscalation) -> str:
    return VendorTarget.RESPONSE if escalation.responded_at is None else VendorTarget.RESOLUTION


def escalation_context(escalation: VendorEscalation, ticket: Ticket) -> dict:
    return {
        "escalation": escalation,
        "ticket": ticket,
        "vendor": escalation.vendor,
        "contact": escalation.contact,
        "contract": escalation.contract,
        "reference": ticket.reference,
    }


def vendor_mail_headers(ticket: Ticket, *, first_message_id: str = "") -> dict[str, str]:
    """Replies come back to the ticket's signed reply address; a follow-up answers the
    first mail (In-Reply-To and References), so the vendor sees one conversation."""
    headers = {"Reply-To": ticket_reply_address(ticket), "X-Helpdesk-Ticket": ticket.reference}
    if first_message_id:
        headers["In-Reply-To"] = first_message_id
        headers["References"] = first_message_id
    return headers


def _language() -> str:
    return settings.LANGUAGE_CODE


def _lock_open(escalation_id: int) -> tuple[VendorEscalation, Ticket]:
    escalation = VendorEscalation.objects.filter(pk=escalation_id).only("ticket_id").first()
    if escalation is None:
        raise VendorError(_("That vendor escalation does not exist."))
    ticket = ticket_lock(escalation.ticket_id)
    escalation = (
        VendorEscalation.objects.select_for_update(of=("self",))
        .select_related("vendor", "contract", "contact")
        .get(pk=escalation_id)
    )
    return escalation, ticket


@transaction.atomic
def vendor_escalation_create(
    *,
    ticket_id: int,
    by,
    vendor_id: int,
    contract_id: int | None = None,
    contact_id: int | None = None,
    vendor_reference: str = "",
    message: str,
) -> VendorEscalation:
    """Take a Level III ticket to a vendor, all at once: the escalation with the vendor's
    clock from the contract (a current contract of that vendor, required when it has
    one), the mail to the contact (the primary one unless another is chosen) whose
    Message-ID the escalation keeps, the ticket pending on the vendor with our clock
    paused, and an internal event on the ticket."""
    _require_escalator(by)
    message = multi_line(message or "")
    vendor_reference = single_line(vendor_reference or "")
    if not message:
        raise VendorError(_("Write the message to the vendor: what is wrong and what you need."))
    if len(message) > MESSAGE_MAX:
        raise VendorError(_("The message is too long (at most %(n)s characters).") % {"n": MESSAGE_MAX})
    if len(vendor_reference) > REFERENCE_MAX:
        raise VendorError(_("The vendor's reference is at most %(n)s characters.") % {"n": REFERENCE_MAX})
    try:
        ticket = ticket_lock(ticket_id)
    except TicketError as exc:
        raise VendorError(exc.message) from None
    if ticket.level != Level.III:
        raise VendorError(
            _("%(ref)s is at %(level)s: only a Level III ticket can be taken to a vendor. Escalate it first.")
            % {"ref": ticket.reference, "level": ticket.get_level_display()}
        )
    if ticket.status not in (Status.NEW, Status.OPEN, Status.PENDING, Status.PENDING_THIRD_PARTY):
        if ticket.status == Status.PENDING_VENDOR:
            raise VendorError(_("%(ref)s is already waiting on a vendor.") % {"ref": ticket.reference})
        raise VendorError(
            _("%(ref)s is “%(status)s”: only an open ticket can be taken to a vendor.")
            % {"ref": ticket.reference, "status": ticket.get_status_display()}
        )
    vendor = Vendor.objects.filter(pk=vendor_id).first()
    if vendor is None or not vendor.is_active:
        raise VendorError(_("Choose an active vendor from the list."))
    today = timezone.localdate()
    contract = None
    if contract_id is not None:
        contract = VendorContract.objects.filter(pk=contract_id).select_related("calendar").first()
        if contract is None or contract.vendor_id != vendor.pk:
            raise VendorError(_("That contract is not one of %(vendor)s's.") % {"vendor": vendor.name})
        if not contract.is_current(on=today):
            raise VendorError(
                _("Contract %(ref)s is not in force today (%(start)s to %(end)s).")
                % {"ref": contract.reference, "start": contract.starts_on, "end": contract.ends_on or "…"}
            )
    else:
        if VendorContract.objects.in_force(on=today).filter(vendor=vendor).exists():
            raise VendorError(
                _("%(vendor)s has a contract in force: choose it, so the vendor's clock runs against it.")
                % {"vendor": vendor.name}
            )
    contacts = VendorContact.objects.filter(vendor=vendor)
    if contact_id is not None:
        contact = contacts.filter(pk=contact_id).first()
        if contact is None:
            raise VendorError(_("That contact is not one of %(vendor)s's.") % {"vendor": vendor.name})
    else:
        contact = contacts.order_by("-is_primary", "name", "id").first()
    address = (contact.email if contact is not None and contact.email else vendor.email).strip()
    if not address:
        raise VendorError(
            _("%(vendor)s has no email address for this contact: add one to the vendor's record first.")
            % {"vendor": vendor.name}
        )
    now = timezone.now()
    response_due, resolution_due = vendor_due_times(contract=contract, ticket=ticket, start=now)
    escalation = VendorEscalation.objects.create(
        ticket=ticket,
        vendor=vendor,
        contract=contract,
        contact=contact,
        contact_email=address,
        vendor_reference=vendor_reference,
        message=message,
        escalated_by=by,
        escalated_at=now,
        response_due_at=response_due,
        resolution_due_at=resolution_due,
    )
    escalation.next_reminder_at = next_reminder(escalation)
    row = notification_queue_to_address(
        kind=NotificationKind.VENDOR_ESCALATION,
        address=address,
        context={**escalation_context(escalation, ticket), "by": by, "subject_tag": ticket_subject_tag(ticket)},
        headers=vendor_mail_headers(ticket),
        language=_language(),
    )
    row.ticket = ticket
    row.save(update_fields=["ticket"])
    escalation.message_id = f"<{row.delivery_key}@{mail_domain()}>"
    escalation.save(update_fields=["message_id", "next_reminder_at"])
    # The status change is seen by the requester too: it says why, never which vendor.
    ticket_vendor_wait_start(ticket=ticket, by=by, reason=_("waiting on vendor"))
    event_record(
        ticket,
        by,
        EventKind.NOTE_ADDED,
        reason=_("Taken to vendor %(vendor)s (%(contract)s), mailed to %(address)s.")
        % {"vendor": vendor.name, "contract": contract.reference if contract else _("no contract"), "address": address},
        at=now,
    )
    return escalation


def _note(ticket: Ticket, by, text: str) -> None:
    event_record(ticket, by, EventKind.NOTE_ADDED, reason=text)


@transaction.atomic
def vendor_response_record(*, escalation_id: int, by, at: datetime | None = None) -> VendorEscalation:
    """Record the vendor's first response (once; a later call changes nothing): the
    reminders now chase the resolution."""
    if by is not None:
        _require_escalator(by)
    escalation, ticket = _lock_open(escalation_id)
    if escalation.status != VendorEscalationStatus.OPEN:
        raise VendorError(_("This vendor escalation is closed."))
    if escalation.responded_at is not None:
        return escalation
    escalation.responded_at = at or timezone.now()
    escalation.next_reminder_at = next_reminder(escalation)
    escalation.save(update_fields=["responded_at", "next_reminder_at"])
    _note(ticket, by, _("%(vendor)s responded.") % {"vendor": escalation.vendor.name})
    return escalation


@transaction.atomic
def vendor_reference_set(*, escalation_id: int, by, vendor_reference: str) -> VendorEscalation:
    """Record the vendor's own reference for the fault (their case or RMA number)."""
    _require_escalator(by)
    vendor_reference = single_line(vendor_reference or "")
    if not vendor_reference:
        raise VendorError(_("Write the vendor's reference."))
    if len(vendor_reference) > REFERENCE_MAX:
        raise VendorError(_("The vendor's reference is at most %(n)s characters.") % {"n": REFERENCE_MAX})
    escalation, ticket = _lock_open(escalation_id)
    old = escalation.vendor_reference
    if old == vendor_reference:
        return escalation
    escalation.vendor_reference = vendor_reference
    escalation.save(update_fields=["vendor_reference"])
    _note(ticket, by, _("Vendor's reference: %(ref)s.") % {"ref": vendor_reference})
    return escalation


@transaction.atomic
def vendor_resolution_record(*, escalation_id: int, by, resolution: str) -> VendorEscalation:
    """Record what the vendor did to resolve the fault (a response too, if none was
    recorded); the reminders stop. The ticket stays with the vendor until closed."""
    _require_escalator(by)
    resolution = multi_line(resolution or "")
    if not resolution:
        raise VendorError(_("Write what the vendor did to resolve it."))
    if len(resolution) > MESSAGE_MAX:
        raise VendorError(_("The text is too long (at most %(n)s characters).") % {"n": MESSAGE_MAX})
    escalation, ticket = _lock_open(escalation_id)
    if escalation.status != VendorEscalationStatus.OPEN:
        raise VendorError(_("This vendor escalation is closed."))
    now = timezone.now()
    escalation.responded_at = escalation.responded_at or now
    escalation.resolved_at = escalation.resolved_at or now
    escalation.resolution = resolution
    escalation.next_reminder_at = None
    escalation.save(update_fields=["responded_at", "resolved_at", "resolution", "next_reminder_at"])
    _note(ticket, by, _("%(vendor)s resolved it: %(text)s") % {"vendor": escalation.vendor.name, "text": resolution})
    return escalation


@transaction.atomic
def vendor_escalation_close(*, escalation_id: int, by, reason: str = "") -> VendorEscalation:
    """Close the escalation: the ticket goes back to Open and our SLA clock resumes (the
    time it waited on the vendor does not count)."""
    _require_escalator(by)
    reason = multi_line(reason or "")[:2000]
    escalation, ticket = _lock_open(escalation_id)
    if escalation.status != VendorEscalationStatus.OPEN:
        raise VendorError(_("This vendor escalation is already closed."))
    now = timezone.now()
    escalation.status = VendorEscalationStatus.CLOSED
    escalation.closed_at = now
    escalation.closed_by = by
    escalation.next_reminder_at = None
    escalation.save(update_fields=["status", "closed_at", "closed_by", "next_reminder_at"])
    ticket_vendor_wait_end(
        ticket=ticket,
        by=by,
        reason=reason or _("back from the vendor"),
    )
    return escalation


def vendor_assignee_notify(*, escalation: VendorEscalation, ticket: Ticket, kind: str, context: dict) -> list:
    """Tell the ticket's assignee (else whoever took it to the vendor), by their preferences."""
    person = ticket.assignee or escalation.escalated_by
    return ticket_notify(
        kind=kind, ticket=ticket, people=[person], context={**escalation_context(escalation, ticket), **context}
    )
