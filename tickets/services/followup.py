"""Coming back to a ticket later: snoozing it out of the queue, reminders, and closing
resolved tickets nobody confirms.

The sweeps are set-based: each claims its rows with one conditional UPDATE over a partial
index (``... WHERE <time> <= now RETURNING id``), so two workers sweeping at once never
handle a row twice (the second one's UPDATE waits on the first one's row locks, then finds
the condition no longer holds), and a repeated sweep finds nothing left to do.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import agent_levels
from notifications.choices import NotificationKind
from sla.calendars import BusinessCalendar
from sla.selectors import business_calendar, sla_policy_for

from ..choices import OPEN_STATUSES, EventKind, SnoozeChoice, Status
from ..exceptions import NotAllowedError, TicketError, TransitionError
from ..models import REMINDER_NOTE_MAX, Ticket, TicketEvent, TicketReminder
from ..text import single_line
from .common import event_record, require_open, require_staff_at, ticket_lock
from .notices import ticket_notify

# The furthest ahead a snooze or a reminder may be set: further is a typing slip.
FOLLOW_UP_MAX_AHEAD = timedelta(days=366)
# The morning a snooze to "tomorrow" or "next week" ends, in the agent's time zone.
MORNING = time(8)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ValueError, KeyError):
        return ZoneInfo(settings.TIME_ZONE)


def ticket_calendar(ticket: Ticket) -> BusinessCalendar:
    """The business calendar of the ticket's SLA policy; office hours in the helpdesk's
    time zone for a ticket no policy covers."""
    policy = sla_policy_for(priority=ticket.priority, category_id=ticket.category_id)
    if policy is None:
        return BusinessCalendar.office_hours(_zone(settings.TIME_ZONE))
    return business_calendar(policy.calendar)


def follow_up_time_checked(value, *, now: datetime) -> datetime:
    """A time to come back at, as given: aware, ahead of ``now`` and within a year."""
    if not isinstance(value, datetime):
        raise TicketError(_("Give a date and time."))
    if value.tzinfo is None or value.utcoffset() is None:
        raise TicketError(_("Give the time with its time zone."))
    if value <= now:
        raise TicketError(_("That time has passed: choose a time in the future."))
    if value - now > FOLLOW_UP_MAX_AHEAD:
        raise TicketError(_("Choose a time within a year from now."))
    return value


def snooze_choice_time(*, choice: str, ticket: Ticket, time_zone: str, now: datetime) -> datetime:
    """When a quick snooze choice ends: in an hour; tomorrow at 08:00 or next Monday at
    08:00 in the agent's time zone; the next business morning on the ticket's SLA calendar."""
    local = now.astimezone(_zone(time_zone))
    if choice == SnoozeChoice.HOUR:
        return now + timedelta(hours=1)
    if choice == SnoozeChoice.TOMORROW:
        return datetime.combine(local.date() + timedelta(days=1), MORNING, tzinfo=local.tzinfo)
    if choice == SnoozeChoice.NEXT_WEEK:
        monday = local.date() + timedelta(days=7 - local.weekday())
        return datetime.combine(monday, MORNING, tzinfo=local.tzinfo)
    if choice == SnoozeChoice.NEXT_BUSINESS_MORNING:
        start, _end = ticket_calendar(ticket).working_day(now, 1)
        return start
    raise TicketError(_("Choose when the ticket comes back."))


@transaction.atomic
def ticket_snooze(*, ticket_id: int, by, until) -> Ticket:
    """Put an open ticket aside until ``until``: it leaves the queue's default views and
    comes back by itself then (``tickets_snooze_wake``), or when the requester writes."""
    ticket = ticket_lock(ticket_id)
    require_staff_at(by, ticket)
    require_open(ticket, _("%(ref)s is “%(status)s”: only an open ticket can be snoozed."))
    now = timezone.now()
    until = follow_up_time_checked(until, now=now)
    event_record(
        ticket,
        by,
        EventKind.SNOOZED,
        field="snoozed_until",
        old=ticket.snoozed_until.isoformat() if ticket.snoozed_until else "",
        new=until.isoformat(),
        at=now,
    )
    ticket.snoozed_until = until
    ticket.save(update_fields=["snoozed_until"])
    return ticket


@transaction.atomic
def ticket_unsnooze(*, ticket_id: int, by) -> Ticket:
    """Bring a snoozed ticket back to the queue now; a ticket not snoozed is left as it is."""
    ticket = ticket_lock(ticket_id)
    require_staff_at(by, ticket)
    if ticket.snoozed_until is None:
        return ticket
    _snooze_end(ticket, actor=by, reason=_("Woken by hand."))
    return ticket


def _snooze_end(ticket: Ticket, *, actor, reason: str) -> None:
    """End a locked ticket's snooze, in the caller's transaction (a requester's reply)."""
    event_record(
        ticket,
        actor,
        EventKind.SNOOZE_ENDED,
        field="snoozed_until",
        old=ticket.snoozed_until.isoformat() if ticket.snoozed_until else "",
        reason=reason,
    )
    ticket.snoozed_until = None
    Ticket.objects.filter(pk=ticket.pk).update(snoozed_until=None)


def ticket_requester_wrote(ticket: Ticket, *, actor) -> None:
    """The requester wrote on a ticket (locked by the caller): a snooze ends at once and a
    resolved ticket no longer closes itself."""
    if ticket.snoozed_until is not None:
        _snooze_end(ticket, actor=actor, reason=_("The requester replied."))
    auto_close_cancel(ticket)


def _claim(sql: str, params: list) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def _events(ids: list[int], kind: str, *, reason: str = "", now: datetime, **values: str) -> None:
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket_id=pk, actor=None, kind=kind, reason=reason, created_at=now, **values) for pk in ids
    )


@transaction.atomic
def tickets_snooze_wake(*, now: datetime | None = None) -> list[int]:
    """Periodic: every ticket whose snooze has ended comes back to its queue (one UPDATE
    over ticket_snoozed_idx), the comeback audited, and its assignee (or, while nobody
    holds it, its level's agents) told. Returns the ids woken."""
    now = now or timezone.now()
    ids = _claim(
        f"UPDATE {Ticket._meta.db_table} SET snoozed_until = NULL"  # noqa: S608 (the model's table)
        " WHERE snoozed_until IS NOT NULL AND snoozed_until <= %s RETURNING id",
        [now],
    )
    if not ids:
        return ids
    _events(ids, EventKind.SNOOZE_ENDED, reason=_("The snooze ended."), now=now, field="snoozed_until")
    for ticket in Ticket.objects.filter(pk__in=ids, status__in=OPEN_STATUSES).select_related(
        "assignee", "requester", "category"
    ):
        ticket_notify(kind=NotificationKind.SNOOZE_ENDED, ticket=ticket)
    return ids


# Reminders.


@transaction.atomic
def reminder_set(*, ticket_id: int, by, remind_at, note: str = "") -> TicketReminder:
    """ "Remind me at …" on a ticket, for the agent who asks (any member of staff may: it
    changes nothing on the ticket)."""
    ticket = ticket_lock(ticket_id)
    if not agent_levels(by):
        raise NotAllowedError(_("Only support staff can do this."))
    now = timezone.now()
    remind_at = follow_up_time_checked(remind_at, now=now)
    note = single_line(note or "")
    if len(note) > REMINDER_NOTE_MAX:
        raise TicketError(_("Keep the note to %(max)s characters.") % {"max": REMINDER_NOTE_MAX})
    reminder = TicketReminder.objects.create(ticket=ticket, agent=by, remind_at=remind_at, note=note, created_at=now)
    event_record(ticket, by, EventKind.REMINDER_SET, field="reminder", new=remind_at.isoformat(), reason=note, at=now)
    return reminder


@transaction.atomic
def reminder_cancel(*, reminder_id: int, by, ticket_id: int | None = None) -> TicketReminder:
    """Cancel a reminder not yet sent (on ``ticket_id``, when given); only its own agent may."""
    reminder = TicketReminder.objects.select_for_update().filter(pk=reminder_id).select_related("ticket").first()
    if reminder is None or reminder.agent_id != by.pk or ticket_id not in (None, reminder.ticket_id):
        raise NotAllowedError(_("You can cancel only your own reminders."))
    if not reminder.is_due:
        raise TransitionError(_("That reminder was already sent or cancelled."))
    now = timezone.now()
    reminder.cancelled_at = now
    reminder.save(update_fields=["cancelled_at"])
    event_record(
        reminder.ticket, by, EventKind.REMINDER_CANCELLED, field="reminder", old=reminder.remind_at.isoformat(), at=now
    )
    return reminder


@transaction.atomic
def reminders_send(*, now: datetime | None = None) -> list[int]:
    """Periodic: every reminder whose time has come is claimed (one UPDATE over
    reminder_due_idx), recorded on its ticket, and its agent told by the channels they
    chose, with a link to the ticket. Returns the ids sent."""
    now = now or timezone.now()
    ids = _claim(
        f"UPDATE {TicketReminder._meta.db_table} SET sent_at = %s"  # noqa: S608 (the model's table)
        " WHERE sent_at IS NULL AND cancelled_at IS NULL AND remind_at <= %s RETURNING id",
        [now, now],
    )
    if not ids:
        return ids
    reminders = list(
        TicketReminder.objects.filter(pk__in=ids)
        .select_related("agent", "ticket", "ticket__assignee", "ticket__requester", "ticket__category")
        .order_by("id")
    )
    TicketEvent.objects.bulk_create(
        TicketEvent(
            ticket_id=reminder.ticket_id,
            actor=None,
            kind=EventKind.REMINDER_SENT,
            field="reminder",
            to_value=reminder.agent.get_username(),
            reason=reminder.note,
            created_at=now,
        )
        for reminder in reminders
    )
    for reminder in reminders:
        ticket_notify(
            kind=NotificationKind.REMINDER,
            ticket=reminder.ticket,
            people=[reminder.agent],
            context={"reminder": reminder},
        )
    return ids


# Closing resolved tickets nobody confirms.


def auto_close_times(ticket: Ticket, *, resolved_at: datetime) -> tuple[datetime | None, datetime | None]:
    """When a ticket resolved at ``resolved_at`` is told it will close, and when it
    closes: at the end of the HELPDESK_AUTO_CLOSE_BUSINESS_DAYS-th business day after, on
    the ticket's SLA calendar, told that day's first working hour. (None, None): never."""
    days = settings.HELPDESK_AUTO_CLOSE_BUSINESS_DAYS
    if days <= 0:
        return None, None
    notice_at, close_at = ticket_calendar(ticket).working_day(resolved_at, days)
    return notice_at, close_at


def auto_close_cancel(ticket: Ticket) -> None:
    """A resolved ticket (locked by the caller) no longer closes itself."""
    if ticket.auto_close_at is None and ticket.auto_close_notice_at is None:
        return
    ticket.auto_close_at = ticket.auto_close_notice_at = None
    Ticket.objects.filter(pk=ticket.pk).update(auto_close_at=None, auto_close_notice_at=None)


@transaction.atomic
def tickets_auto_close(*, now: datetime | None = None) -> tuple[list[int], list[int]]:
    """Periodic: tell the requesters of resolved tickets that will close today, and close
    the resolved tickets whose time has come, in the helpdesk's name (no actor), each
    claimed with one UPDATE. Returns the ids told and the ids closed."""
    now = now or timezone.now()
    table = Ticket._meta.db_table
    told = _claim(
        f"UPDATE {table} SET auto_close_notice_at = NULL"  # noqa: S608 (the model's table)
        " WHERE auto_close_notice_at IS NOT NULL AND auto_close_notice_at <= %s AND status = %s"
        " AND (auto_close_at IS NULL OR auto_close_at > %s) RETURNING id",
        [now, Status.RESOLVED, now],
    )
    if told:
        _events(told, EventKind.AUTO_CLOSE_NOTICE, now=now, field="auto_close_at")
        for ticket in Ticket.objects.filter(pk__in=told).select_related("requester", "assignee", "category"):
            ticket_notify(
                kind=NotificationKind.AUTO_CLOSE_NOTICE, ticket=ticket, context={"close_at": ticket.auto_close_at}
            )
    closed = _claim(
        f"UPDATE {table} SET status = %s, closed_at = %s, updated_at = %s,"  # noqa: S608 (the model's table)
        " auto_close_at = NULL, auto_close_notice_at = NULL"
        " WHERE auto_close_at IS NOT NULL AND auto_close_at <= %s AND status = %s RETURNING id",
        [Status.CLOSED, now, now, now, Status.RESOLVED],
    )
    if closed:
        _events(
            closed,
            EventKind.CLOSED,
            reason=_("Closed by the helpdesk: resolved and not answered in time."),
            now=now,
            field="status",
            from_value=Status.RESOLVED,
            to_value=Status.CLOSED,
        )
        for ticket in Ticket.objects.filter(pk__in=closed).select_related("requester", "assignee", "category"):
            ticket_notify(kind=NotificationKind.AUTO_CLOSED, ticket=ticket)
    return told, closed
