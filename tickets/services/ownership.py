"""Who holds a ticket: the agent it is assigned to, and the level it is at."""

from typing import cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Level
from accounts.selectors import agent_levels, assignable_agents
from notifications.choices import NotificationKind

from ..choices import OPEN_STATUSES, EventKind, Status
from ..exceptions import NotAllowedError, TransitionError
from ..extensions import tickets_entered_levels
from ..models import Ticket
from .common import event_record, require_open, require_staff_at, require_text, ticket_lock
from .notices import ticket_notify
from .sla import ticket_sla_refresh


@transaction.atomic
def ticket_assign(*, ticket_id: int, by, assignee) -> Ticket:
    """Give the ticket to an agent who works its level (or higher), or to nobody.
    Taking a new ticket opens it."""
    ticket = ticket_lock(ticket_id)
    require_staff_at(by, ticket)
    require_open(ticket, _("%(ref)s is “%(status)s”: only an open ticket can be assigned."))
    if assignee is not None and not assignable_agents(level=ticket.level).filter(pk=assignee.pk).exists():
        raise NotAllowedError(
            _("%(name)s does not work %(level)s, so cannot own %(ref)s.")
            % {"name": assignee, "level": Level(ticket.level).label, "ref": ticket.reference}
        )
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return ticket
    return _assignee_set(ticket, by=by, assignee=assignee)


def _assignee_set(ticket: Ticket, *, by, assignee, reason: str = "") -> Ticket:
    now = timezone.now()
    event_record(
        ticket,
        by,
        EventKind.ASSIGNED,
        field="assignee",
        old=ticket.assignee.username if ticket.assignee else "",
        new=assignee.username if assignee else "",
        reason=reason,
        at=now,
    )
    ticket.assignee = assignee
    ticket.updated_at = now
    fields = ["assignee", "updated_at"]
    if assignee is not None and ticket.status == Status.NEW:
        event_record(ticket, by, EventKind.STATUS_CHANGED, field="status", old=ticket.status, new=Status.OPEN, at=now)
        ticket.status = Status.OPEN
        fields.append("status")
    ticket.save(update_fields=fields)
    if "status" in fields:
        ticket_sla_refresh(ticket=ticket)
    return ticket


@transaction.atomic
def ticket_assign_automatically(
    *, ticket_id: int, level: int, assignee, reason: str, locked: Ticket | None = None
) -> Ticket | None:
    """The helpdesk gives an unassigned open ticket of ``level`` to ``assignee`` by an
    assignment policy, through the same path as a person (the audit event names nobody
    and gives the policy as its reason). Does nothing, and returns None, if the ticket
    has been assigned, moved or closed meanwhile, or if ``assignee`` filed it. The caller
    picks ``assignee`` among the level's members; ``locked`` is the ticket's row when the
    caller has locked it already (SELECT … FOR UPDATE in this transaction)."""
    ticket = locked if locked is not None and locked.pk == ticket_id else ticket_lock(ticket_id)
    if (
        ticket.assignee_id is not None
        or ticket.level != level
        or ticket.status not in OPEN_STATUSES
        or ticket.requester_id == assignee.pk
    ):
        return None
    return _assignee_set(ticket, by=None, assignee=assignee, reason=reason)


def ticket_take(*, ticket_id: int, by) -> Ticket:
    """Assign the ticket to the agent who asks."""
    return ticket_assign(ticket_id=ticket_id, by=by, assignee=by)


def _move_level(*, ticket_id: int, by, reason: str, step: int, from_level: int | None = None) -> Ticket | None:
    escalating = step > 0
    reason = require_text(
        reason,
        _("Say why you are escalating, so the next level can start where you stopped.")
        if escalating
        else _("Say why you are sending the ticket back down."),
    )
    ticket = ticket_lock(ticket_id)
    if from_level is not None and (ticket.level != from_level or ticket.status not in OPEN_STATUSES):
        return None  # an automatic move whose ticket has moved on meanwhile
    if by is not None:  # None: the helpdesk itself, applying an escalation rule
        require_staff_at(by, ticket)
    require_open(
        ticket,
        _("%(ref)s is “%(status)s”: only an open ticket can be escalated.")
        if escalating
        else _("%(ref)s is “%(status)s”: only an open ticket can be sent back down."),
    )
    if ticket.status == Status.PENDING_VENDOR:
        raise TransitionError(
            _("%(ref)s is waiting on a vendor: close the vendor escalation first.") % {"ref": ticket.reference}
        )
    target = ticket.level + step
    if target > Level.III:
        raise TransitionError(_("Level III is the last level; escalate to the vendor instead."))
    if target < Level.I:
        raise TransitionError(_("Level I is the first level; there is no lower level to send it to."))
    now = timezone.now()
    event_record(
        ticket,
        by,
        EventKind.ESCALATED if escalating else EventKind.DE_ESCALATED,
        field="level",
        old=ticket.level,
        new=target,
        reason=reason,
        at=now,
    )
    if ticket.assignee is not None:
        # The ticket joins the new level's unassigned queue.
        event_record(ticket, by, EventKind.ASSIGNED, field="assignee", old=ticket.assignee.username, new="", at=now)
        ticket.assignee = None
    ticket.level = target
    ticket.level_entered_at = now
    ticket.updated_at = now
    ticket.save(update_fields=["level", "level_entered_at", "assignee", "updated_at"])
    ticket_notify(
        kind=NotificationKind.ESCALATED if escalating else NotificationKind.DE_ESCALATED,
        ticket=ticket,
        actor=by,
        context={"reason": reason, "by": by, "from_level": Level(target - step).label},
        data={"reason": reason},
    )
    tickets_entered_levels(levels=[target])
    return ticket


@transaction.atomic
def ticket_escalate(*, ticket_id: int, by, reason: str) -> Ticket:
    """Move an open ticket one level up with a reason; the new level's agents are told."""
    return cast(Ticket, _move_level(ticket_id=ticket_id, by=by, reason=reason, step=+1))


@transaction.atomic
def ticket_escalate_automatically(*, ticket_id: int, from_level: int, reason: str) -> Ticket | None:
    """The helpdesk escalates by rule, through the same path as a person (audit event
    with the rule as reason, notices to the next level). Does nothing, and returns None,
    if the ticket is no longer open at ``from_level``, so a rule fires once per level."""
    return _move_level(ticket_id=ticket_id, by=None, reason=reason, step=+1, from_level=from_level)


@transaction.atomic
def ticket_deescalate(*, ticket_id: int, by, reason: str) -> Ticket:
    """Send an open ticket one level down with a reason; that level's agents are told."""
    return cast(Ticket, _move_level(ticket_id=ticket_id, by=by, reason=reason, step=-1))


def ticket_page_acknowledged(*, ticket: Ticket, by, channel: str, at=None):
    """Record on the ticket's audit trail (staff see it) that ``by`` answered a page about
    it, and how; in the caller's transaction (escalation.services.page_acknowledge)."""
    if not agent_levels(by):
        raise NotAllowedError(_("Only support staff can acknowledge a page."))
    return event_record(ticket, by, EventKind.PAGE_ACKNOWLEDGED, new=channel, at=at)
