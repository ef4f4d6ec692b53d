"""A ticket's life: filed, moved between statuses, resolved, confirmed or reopened, reclassified.

Every change to a ticket goes through a service of this package. Each locks the ticket,
checks who may do what from which state, writes the change and its audit event, and
queues notifications in the same transaction. Refusals raise a ``TicketError`` whose
message is meant for the person who tried.
"""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Level
from accounts.selectors import agent_levels
from notifications.choices import NotificationKind
from sla.services import sla_clock_start

from ..choices import Channel, EventKind, Impact, Status, Urgency, priority_for
from ..exceptions import NotAllowedError, TicketError, TransitionError
from ..extensions import new_ticket_created, tickets_entered_levels
from ..models import Attachment, Category, Ticket
from ..ratings import rating_links
from ..text import multi_line, single_line
from .checklist import checklist_open_steps_message
from .common import event_record, require_open, require_requester_or_staff, require_staff_at, require_text, ticket_lock
from .files import attachments_save, files_validated, stored_files_cleanup
from .followup import auto_close_cancel, auto_close_times
from .notices import ticket_notify
from .sla import ticket_sla_refresh, ticket_sla_start

# Status moves an agent may make by hand. Resolving has its own service (it needs a
# summary); a closed ticket is final.
MANUAL_TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.OPEN, Status.PENDING, Status.PENDING_THIRD_PARTY},
    Status.OPEN: {Status.PENDING, Status.PENDING_THIRD_PARTY},
    Status.PENDING: {Status.OPEN, Status.PENDING_THIRD_PARTY},
    Status.PENDING_THIRD_PARTY: {Status.OPEN, Status.PENDING},
    # In and out only with a vendor escalation (ticket_vendor_wait_start / _end).
    Status.PENDING_VENDOR: set(),
    Status.RESOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: set(),
}


def ticket_create(
    *,
    requester,
    subject: str,
    description: str,
    urgency: str,
    impact: str | None = None,
    category: Category | None = None,
    channel: str = Channel.WEB,
    attachments: Sequence = (),
    by=None,
    level: int | None = None,
    source_message_id: str = "",
    extra: dict | None = None,
) -> Ticket:
    """File a ticket: routed to its category's level, prioritised by impact × urgency,
    acknowledged to the requester by email. All or nothing, stored files included.
    ``by`` is the member of staff who files it on the requester's behalf (a logged call,
    the API); the audit trail names them as the one who filed it. ``level`` starts the
    ticket at that level instead of its category's (a mailbox's default level).
    ``source_message_id`` is the Message-ID of the mail that opened it, which the
    ticket's mail then answers. ``extra`` is what the new-ticket form's extension fields
    held (tickets.extensions), handed to the apps that added them in this transaction."""
    filed_by = requester if by is None else by
    if filed_by.pk != requester.pk and not agent_levels(filed_by):
        raise NotAllowedError(_("Only support staff can file a ticket on someone else's behalf."))
    if channel not in Channel.values:
        raise TicketError(_("Choose a channel from the list."))
    # Cleaned here so every channel (pages, API, mail or chat bridges) stores the same text.
    subject = require_text(single_line(subject), _("Write a short subject."))
    description = require_text(multi_line(description), _("Describe the problem."))
    files = files_validated(attachments)
    impact = impact or (category.default_impact if category else Impact.LOW)
    if impact not in Impact.values or urgency not in Urgency.values:
        raise TicketError(_("Choose an impact and an urgency from the lists."))
    if level is not None and level not in Level.values:
        raise TicketError(_("Choose a support level from the list."))
    saved: list[Attachment] = []
    try:
        with transaction.atomic():
            now = timezone.now()
            ticket = Ticket(
                requester=requester,
                subject=subject[:200],
                description=description,
                category=category,
                impact=impact,
                urgency=urgency,
                priority=priority_for(impact=impact, urgency=urgency),
                level=route_level(category=category) if level is None else level,
                level_entered_at=now,
                channel=channel,
                source_message_id=single_line(source_message_id)[:500],
                created_at=now,
                updated_at=now,
            )
            # A new ticket has no history: its SLA columns go in with the row itself.
            next_check_at = ticket_sla_start(ticket=ticket)
            ticket.save(force_insert=True)
            sla_clock_start(ticket_id=ticket.pk, next_check_at=next_check_at)
            event_record(ticket, filed_by, EventKind.CREATED, field="level", new=ticket.level, at=now)
            attachments_save(ticket, None, filed_by, files, saved)
            new_ticket_created(ticket=ticket, data=extra or {}, by=filed_by)
            ticket_notify(kind=NotificationKind.TICKET_CREATED, ticket=ticket, actor=filed_by)
            tickets_entered_levels(levels=[ticket.level])
    except BaseException:
        stored_files_cleanup(saved)
        raise
    return ticket


@transaction.atomic
def ticket_change_status(*, ticket_id: int, by, status: str, reason: str = "") -> Ticket:
    """Move the ticket along the allowed status transitions (resolving has its own service)."""
    reason = multi_line(reason)
    ticket = ticket_lock(ticket_id)
    require_staff_at(by, ticket)
    if status not in Status.values:
        raise TicketError(_("Choose a status from the list."))
    if status == Status.RESOLVED:
        raise TransitionError(_("Use “Resolve” and write a resolution summary."))
    if status == ticket.status:
        return ticket
    if status not in MANUAL_TRANSITIONS[ticket.status]:
        raise TransitionError(
            _("A ticket that is “%(from)s” cannot be set to “%(to)s”.")
            % {"from": ticket.get_status_display(), "to": Status(status).label}
        )
    now = timezone.now()
    event_record(
        ticket, by, EventKind.STATUS_CHANGED, field="status", old=ticket.status, new=status, reason=reason, at=now
    )
    if ticket.status == Status.RESOLVED and status == Status.OPEN:
        ticket.resolved_at = None
    if status == Status.CLOSED:
        ticket.closed_at = now
    auto_close_cancel(ticket)
    ticket.status = status
    ticket.updated_at = now
    ticket.save(update_fields=["status", "resolved_at", "closed_at", "updated_at"])
    ticket_sla_refresh(ticket=ticket)
    return ticket


@transaction.atomic
def ticket_resolve(*, ticket_id: int, by, resolution: str, by_system: bool = False) -> Ticket:
    """Resolve an open ticket with a summary the requester will read; they confirm or reopen.
    ``by_system``: a rule of the helpdesk resolves it (a monitoring alert that cleared on a
    ticket nobody worked), in the name of ``by``, who need not be staff."""
    resolution = require_text(resolution, _("Write a resolution summary: what was wrong and what you did."))
    ticket = ticket_lock(ticket_id)
    if not by_system:
        require_staff_at(by, ticket)
    require_open(ticket, _("%(ref)s is “%(status)s”: only an open ticket can be resolved."))
    left = checklist_open_steps_message(ticket)
    if left:
        raise TransitionError(left)
    if ticket.status == Status.PENDING_VENDOR:
        raise TransitionError(
            _("%(ref)s is waiting on a vendor: close the vendor escalation first.") % {"ref": ticket.reference}
        )
    now = timezone.now()
    event_record(
        ticket,
        by,
        EventKind.RESOLVED,
        field="status",
        old=ticket.status,
        new=Status.RESOLVED,
        reason=resolution,
        at=now,
    )
    ticket.status = Status.RESOLVED
    ticket.resolution = resolution
    ticket.resolved_at = now
    ticket.first_response_at = ticket.first_response_at or now
    ticket.updated_at = now
    # Unless the requester answers, it closes itself some business days from now.
    ticket.auto_close_notice_at, ticket.auto_close_at = auto_close_times(ticket, resolved_at=now)
    ticket.save(
        update_fields=[
            "status",
            "resolution",
            "resolved_at",
            "first_response_at",
            "updated_at",
            "auto_close_notice_at",
            "auto_close_at",
        ]
    )
    ticket_sla_refresh(ticket=ticket)
    # The requester is asked how it went, in one click (tickets/ratings.py).
    ticket_notify(
        kind=NotificationKind.RESOLVED, ticket=ticket, actor=by, context={"rating_links": rating_links(ticket=ticket)}
    )
    return ticket


@transaction.atomic
def ticket_confirm_resolution(*, ticket_id: int, by) -> Ticket:
    """The requester (or staff for them) confirms the fix; the ticket closes."""
    ticket = ticket_lock(ticket_id)
    require_requester_or_staff(by, ticket)
    if ticket.status != Status.RESOLVED:
        raise TransitionError(_("Only a resolved ticket can be confirmed."))
    now = timezone.now()
    event_record(ticket, by, EventKind.CLOSED, field="status", old=ticket.status, new=Status.CLOSED, at=now)
    auto_close_cancel(ticket)
    ticket.status = Status.CLOSED
    ticket.closed_at = now
    ticket.updated_at = now
    ticket.save(update_fields=["status", "closed_at", "updated_at"])
    ticket_sla_refresh(ticket=ticket)
    return ticket


@transaction.atomic
def ticket_reopen(*, ticket_id: int, by, reason: str) -> Ticket:
    """Reopen a resolved ticket with a reason (the fix did not hold)."""
    reason = require_text(reason, _("Tell us what is still wrong."))
    ticket = ticket_lock(ticket_id)
    require_requester_or_staff(by, ticket)
    if ticket.status == Status.CLOSED:
        raise TransitionError(
            _("%(ref)s is closed. Please file a new ticket and mention %(ref)s.") % {"ref": ticket.reference}
        )
    if ticket.status != Status.RESOLVED:
        raise TransitionError(_("Only a resolved ticket can be reopened."))
    now = timezone.now()
    event_record(
        ticket, by, EventKind.REOPENED, field="status", old=ticket.status, new=Status.OPEN, reason=reason, at=now
    )
    auto_close_cancel(ticket)
    ticket.status = Status.OPEN
    ticket.resolved_at = None
    ticket.updated_at = now
    ticket.save(update_fields=["status", "resolved_at", "updated_at"])
    ticket_sla_refresh(ticket=ticket)
    ticket_notify(kind=NotificationKind.REOPENED, ticket=ticket, actor=by, context={"reason": reason})
    return ticket


@transaction.atomic
def ticket_reclassify(*, ticket_id: int, by, impact: str, urgency: str, category: Category | None) -> Ticket:
    """Correct impact, urgency and category; the priority follows the matrix."""
    ticket = ticket_lock(ticket_id)
    require_staff_at(by, ticket)
    require_open(ticket, _("%(ref)s is “%(status)s”: only an open ticket can be reclassified."))
    if impact not in Impact.values or urgency not in Urgency.values:
        raise TicketError(_("Choose an impact and an urgency from the lists."))
    now = timezone.now()
    wanted = {
        "impact": impact,
        "urgency": urgency,
        "priority": priority_for(impact=impact, urgency=urgency),
        "category": category,
    }
    changed = [field for field, value in wanted.items() if getattr(ticket, field) != value]
    for field in changed:
        old, new = getattr(ticket, field), wanted[field]
        if field == "category":
            event_record(ticket, by, EventKind.CATEGORY_CHANGED, field=field, old=old or "", new=new or "", at=now)
        else:
            event_record(ticket, by, EventKind.PRIORITY_CHANGED, field=field, old=old, new=new, at=now)
        setattr(ticket, field, new)
    if changed:
        ticket.updated_at = now
        ticket.save(update_fields=[*changed, "updated_at"])
        ticket_sla_refresh(ticket=ticket)
    return ticket


def route_level(*, category: Category | None) -> int:
    """The level a new ticket starts at: its category's default, else Level I."""
    return category.default_level if category is not None else Level.I


def _vendor_wait_move(ticket: Ticket, *, by, old: str, new: str, reason: str) -> Ticket:
    now = timezone.now()
    event_record(ticket, by, EventKind.STATUS_CHANGED, field="status", old=old, new=new, reason=reason, at=now)
    ticket.status = new
    ticket.updated_at = now
    ticket.save(update_fields=["status", "updated_at"])
    ticket_sla_refresh(ticket=ticket)
    return ticket


def ticket_vendor_wait_start(*, ticket: Ticket, by, reason: str) -> Ticket:
    """Set a ticket (locked by the caller, who checked who may) pending on a vendor: it
    stays in the queues, our SLA clock pauses, and the status change records why."""
    if ticket.status not in (Status.NEW, Status.OPEN, Status.PENDING, Status.PENDING_THIRD_PARTY):
        raise TransitionError(
            _("A ticket that is “%(status)s” cannot wait on a vendor.") % {"status": ticket.get_status_display()}
        )
    return _vendor_wait_move(ticket, by=by, old=ticket.status, new=Status.PENDING_VENDOR, reason=multi_line(reason))


def ticket_vendor_wait_end(*, ticket: Ticket, by, reason: str) -> Ticket:
    """Take a ticket (locked by the caller) back from the vendor: open again, our SLA
    clock resumes. A ticket no longer pending on a vendor is left as it is."""
    if ticket.status != Status.PENDING_VENDOR:
        return ticket
    return _vendor_wait_move(ticket, by=by, old=ticket.status, new=Status.OPEN, reason=multi_line(reason))
