"""Time staff spend on a ticket: typed with a reply or note, or measured by a timer kept
on the server (tickets.models.TimeEntry). Only staff who work the ticket's level record
time; each recorded or removed entry is an internal audit event."""

import math
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import EventKind, Status
from ..exceptions import NotAllowedError, TicketError, TransitionError
from ..models import TIME_ENTRY_MAX_MINUTES, Comment, Ticket, TimeEntry
from .common import event_record, require_staff_at, ticket_lock
from .conversation import comment_add, comment_add_and_change


def minutes_checked(minutes) -> int:
    """``minutes`` as a whole number from 1 to TIME_ENTRY_MAX_MINUTES, else refused."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TicketError(_("Give the time spent in minutes, for example 90, 1:30 or 1h 30m."))
    if minutes < 1:
        raise TicketError(_("The time spent must be at least one minute."))
    if minutes > TIME_ENTRY_MAX_MINUTES:
        raise TicketError(
            _("One entry is at most %(hours)d hours; record longer work as several entries.")
            % {"hours": TIME_ENTRY_MAX_MINUTES // 60}
        )
    return minutes


def _require_not_closed(ticket: Ticket) -> None:
    if ticket.status == Status.CLOSED:
        raise TransitionError(_("%(ref)s is closed: time can no longer be recorded on it.") % {"ref": ticket.reference})


def _recorded(ticket: Ticket, by, minutes: int, *, comment: Comment | None = None, entry: TimeEntry | None = None):
    now = timezone.now()
    if entry is None:
        entry = TimeEntry.objects.create(ticket=ticket, agent=by, comment=comment, minutes=minutes, ended_at=now)
    else:
        entry.minutes, entry.ended_at = minutes, now
        entry.save(update_fields=["minutes", "ended_at"])
    event_record(ticket, by, EventKind.TIME_RECORDED, field="minutes", new=minutes, at=now)
    return entry


@transaction.atomic
def time_entry_record(*, ticket_id: int, by, minutes: int) -> TimeEntry:
    """Record time spent on a ticket without a message, as staff who work its level."""
    minutes = minutes_checked(minutes)
    ticket = ticket_lock(ticket_id)
    require_staff_at(by, ticket)
    _require_not_closed(ticket)
    return _recorded(ticket, by, minutes)


def comment_add_with_time(
    *,
    ticket_id: int,
    author,
    body: str,
    minutes: int,
    internal: bool = False,
    attachments: Sequence = (),
    status: str = "",
    impact: str = "",
    urgency: str = "",
) -> Comment:
    """A reply or internal note and the time spent on it, in one transaction: both are
    kept or neither. Only staff who work the ticket's level record time, so every check
    of the time is made before the message is written."""
    minutes = minutes_checked(minutes)
    with transaction.atomic():
        ticket = ticket_lock(ticket_id)
        require_staff_at(author, ticket)
        _require_not_closed(ticket)
        reply = {"ticket_id": ticket_id, "author": author, "body": body, "internal": internal}
        if status or impact or urgency:
            comment = comment_add_and_change(
                **reply, attachments=attachments, status=status, impact=impact, urgency=urgency
            )
        else:
            comment = comment_add(**reply, attachments=attachments)
        _recorded(ticket, author, minutes, comment=comment)
    return comment


@transaction.atomic
def timer_start(*, ticket_id: int, by) -> TimeEntry:
    """Start the agent's timer on a ticket; refused while one of theirs runs there (the
    ticket's lock orders concurrent starts, the unique constraint is the last word)."""
    ticket = ticket_lock(ticket_id)
    require_staff_at(by, ticket)
    _require_not_closed(ticket)
    if TimeEntry.objects.filter(ticket=ticket, agent=by, ended_at__isnull=True).exists():
        raise TransitionError(_("Your timer on %(ref)s is already running.") % {"ref": ticket.reference})
    try:
        with transaction.atomic():
            return TimeEntry.objects.create(ticket=ticket, agent=by, started_at=timezone.now())
    except IntegrityError:
        raise TransitionError(_("Your timer on %(ref)s is already running.") % {"ref": ticket.reference}) from None


def _running(ticket: Ticket, by) -> TimeEntry:
    entry = TimeEntry.objects.select_for_update().filter(ticket=ticket, agent=by, ended_at__isnull=True).first()
    if entry is None:
        raise TransitionError(_("You have no timer running on %(ref)s.") % {"ref": ticket.reference})
    return entry


@transaction.atomic
def timer_stop(*, ticket_id: int, by) -> TimeEntry:
    """Stop the agent's running timer: its time, rounded up to the whole minute, becomes a
    recorded entry. A timer that ran past the longest entry is refused, to be discarded."""
    ticket = ticket_lock(ticket_id)
    require_staff_at(by, ticket)
    _require_not_closed(ticket)
    entry = _running(ticket, by)
    assert entry.started_at is not None
    seconds = (timezone.now() - entry.started_at).total_seconds()
    minutes = max(1, math.ceil(seconds / 60))
    if minutes > TIME_ENTRY_MAX_MINUTES:
        raise TransitionError(
            _("Your timer ran for more than %(hours)d hours. Discard it and record the time you really spent.")
            % {"hours": TIME_ENTRY_MAX_MINUTES // 60}
        )
    return _recorded(ticket, by, minutes, entry=entry)


@transaction.atomic
def timer_discard(*, ticket_id: int, by) -> None:
    """Throw the agent's running timer away: nothing was recorded, so nothing is audited."""
    ticket = ticket_lock(ticket_id)
    _running(ticket, by).delete()


@transaction.atomic
def time_entry_delete(*, ticket_id: int, entry_id: int, by) -> None:
    """Remove one of the agent's own recorded entries (a mistake), as an audit event; the
    agent must still work the ticket's level."""
    ticket = ticket_lock(ticket_id)
    require_staff_at(by, ticket)
    _require_not_closed(ticket)
    try:
        entry = TimeEntry.objects.select_for_update().get(pk=entry_id, ticket=ticket, ended_at__isnull=False)
    except (TimeEntry.DoesNotExist, ValueError, TypeError):
        raise TicketError(_("That time entry is not on this ticket.")) from None
    if entry.agent_id != by.pk:
        raise NotAllowedError(_("Only the agent who recorded the time can remove it."))
    event_record(ticket, by, EventKind.TIME_REMOVED, field="minutes", old=entry.minutes)
    entry.delete()
