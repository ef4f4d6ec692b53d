"""SLA clocks: due times from a ticket's history, and the sweep that records crossings.

A ticket's clock runs while it is new or open, pauses while it is pending on the
customer, and stops when it is resolved or closed (a reopen starts it again). Due times
are recomputed from that history on every relevant change, so a priority change moves
them as if the new priority had applied from the start. The sweep is set-based SQL:
one INSERT … SELECT records every threshold crossed (once, by a unique constraint, so
two sweeps at once never double anything) and one UPDATE moves each swept ticket's
next check to its next threshold.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Least, NullIf
from django.utils import timezone

from tickets.choices import OPEN_STATUSES, Status

from ..caching import config_cached
from ..calendars import BusinessCalendar, due_from_runs, indonesian_holidays
from ..choices import SlaMetric, SlaThreshold
from ..models import Calendar, SlaClock, SlaEvent, SlaPolicy
from ..selectors import sla_policy_for

RUNNING = {Status.NEW, Status.OPEN}
# Far enough that no real threshold reaches it; stands in for "none" inside LEAST().
NEVER = datetime(9999, 1, 1, tzinfo=ZoneInfo("UTC"))
NOTIFY_RETRY_AFTER = timedelta(minutes=2)
STALE_BATCH = 5000

# (metric, threshold) → the ticket column holding the instant it is crossed.
THRESHOLD_COLUMNS: dict[tuple[str, str], str] = {
    (SlaMetric.FIRST_RESPONSE, SlaThreshold.WARNING_1): "first_response_warn1_at",
    (SlaMetric.FIRST_RESPONSE, SlaThreshold.WARNING_2): "first_response_warn2_at",
    (SlaMetric.FIRST_RESPONSE, SlaThreshold.BREACHED): "first_response_due_at",
    (SlaMetric.RESOLUTION, SlaThreshold.WARNING_1): "resolution_warn1_at",
    (SlaMetric.RESOLUTION, SlaThreshold.WARNING_2): "resolution_warn2_at",
    (SlaMetric.RESOLUTION, SlaThreshold.BREACHED): "resolution_due_at",
}
# Ticket columns the schedule fills; "next_check_at" goes to the ticket's SlaClock.
SLA_COLUMNS = [*THRESHOLD_COLUMNS.values(), "sla_due_at", "sla_warn_at"]
NEXT_CHECK = "next_check_at"


@lru_cache(maxsize=64)
def _package_holidays(years: tuple[int, ...]) -> frozenset:
    return frozenset(indonesian_holidays(years))


def business_calendar(calendar: Calendar, *, around: datetime | None = None) -> BusinessCalendar:
    """The arithmetic calendar for a stored one: its periods, its own holidays and, when
    asked for, Indonesian public holidays for the years around ``around`` (built once per
    process while unchanged: escalation.caching)."""
    year = (around or timezone.now()).astimezone(ZoneInfo(calendar.time_zone)).year
    return config_cached("business-calendar", (calendar.pk, year), lambda: _business_calendar(calendar, year))


def _business_calendar(calendar: Calendar, year: int) -> BusinessCalendar:
    zone = ZoneInfo(calendar.time_zone)
    if calendar.always_open:
        return BusinessCalendar.around_the_clock(zone)
    weekly: list[list[tuple]] = [[] for _day in range(7)]
    for period in calendar.periods.all():
        weekly[period.weekday].append((period.start, period.end))
    days = set(calendar.holidays.values_list("date", flat=True))
    if calendar.indonesian_holidays:
        days |= _package_holidays((year - 1, year, year + 1))
    return BusinessCalendar(
        tz=zone,
        weekly=tuple(tuple(sorted(windows)) for windows in weekly),
        holidays=frozenset(days),
    )


def clock_runs(*, created_at: datetime, status_changes: list[tuple[datetime, str]]) -> list:
    """[start, end) intervals in which the clock ran, from the ticket's status history
    (a list of (when, new status), oldest first); the last may be open (end None)."""
    runs: list[tuple[datetime, datetime | None]] = []
    started: datetime | None = created_at
    for at, status in status_changes:
        if status in RUNNING and started is None:
            started = at
        elif status not in RUNNING and started is not None:
            if at > started:
                runs.append((started, at))
            started = None
    if started is not None:
        runs.append((started, None))
    return runs


def _thresholds(calendar: BusinessCalendar, runs: list, minutes: int, policy: SlaPolicy) -> dict[str, datetime | None]:
    target = timedelta(minutes=minutes)
    return {
        SlaThreshold.WARNING_1: due_from_runs(calendar, runs, target * policy.first_warning_percent / 100),
        SlaThreshold.WARNING_2: due_from_runs(calendar, runs, target * policy.second_warning_percent / 100),
        SlaThreshold.BREACHED: due_from_runs(calendar, runs, target),
    }


def sla_schedule(
    *,
    ticket,
    status_changes: list[tuple[datetime, str]],
    policy: SlaPolicy | None,
    calendar: BusinessCalendar | None,
    recorded: frozenset[tuple[str, str]] | set[tuple[str, str]] = frozenset(),
) -> dict:
    """The SLA columns for a ticket: every threshold instant (None while paused or with no
    policy), the nearest breach ahead and (under NEXT_CHECK) the next instant the sweep
    must look at."""
    columns: dict[str, datetime | None] = dict.fromkeys([*SLA_COLUMNS, NEXT_CHECK])
    if policy is None or calendar is None:
        return columns
    runs = clock_runs(created_at=ticket.created_at, status_changes=status_changes)
    for metric, minutes in (
        (SlaMetric.FIRST_RESPONSE, policy.first_response_minutes),
        (SlaMetric.RESOLUTION, policy.resolution_minutes),
    ):
        for threshold, at in _thresholds(calendar, runs, minutes, policy).items():
            columns[THRESHOLD_COLUMNS[(metric, threshold)]] = at
    pending = pending_thresholds(ticket)
    current = _current_metric(ticket)
    if current == SlaMetric.FIRST_RESPONSE:
        columns["sla_due_at"] = columns["first_response_due_at"]
        columns["sla_warn_at"] = columns["first_response_warn1_at"]
    elif current == SlaMetric.RESOLUTION:
        columns["sla_due_at"] = columns["resolution_due_at"]
        columns["sla_warn_at"] = columns["resolution_warn1_at"]
    upcoming: list[datetime] = [
        at for key in pending if key not in recorded and (at := columns[THRESHOLD_COLUMNS[key]]) is not None
    ]
    columns[NEXT_CHECK] = min(upcoming, default=None)
    return columns


def _current_metric(ticket) -> str | None:
    """The promise the ticket's countdown shows: first response until it is given, then
    resolution while the ticket is open; none once it is resolved or closed."""
    if ticket.status not in OPEN_STATUSES:
        return None
    return SlaMetric.FIRST_RESPONSE if ticket.first_response_at is None else SlaMetric.RESOLUTION


def pending_thresholds(ticket) -> list[tuple[str, str]]:
    """Thresholds that can still be crossed: first response until it is given,
    resolution while the ticket is open."""
    if ticket.status not in OPEN_STATUSES:
        return []
    metrics = [SlaMetric.RESOLUTION] if ticket.first_response_at else [SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION]
    return [key for key in THRESHOLD_COLUMNS if key[0] in metrics]


def _schedule_onto(ticket, *, status_changes: list, recorded: set) -> tuple[dict, datetime | None]:
    """Compute the ticket's SLA columns, set them on the instance, and return them with
    the clock's next check."""
    policy = sla_policy_for(priority=ticket.priority, category_id=ticket.category_id)
    calendar = business_calendar(policy.calendar, around=ticket.created_at) if policy else None
    columns = sla_schedule(
        ticket=ticket, status_changes=status_changes, policy=policy, calendar=calendar, recorded=recorded
    )
    next_check_at = columns.pop(NEXT_CHECK)
    for name, value in columns.items():
        setattr(ticket, name, value)
    return columns, next_check_at


def sla_start(*, ticket) -> datetime | None:
    """The SLA columns of a ticket not yet saved (no history, nothing recorded), set on the
    instance so that one INSERT stores them; returns the clock's next check, for
    ``sla_clock_start`` once the ticket has its id."""
    _columns, next_check_at = _schedule_onto(ticket, status_changes=[], recorded=set())
    return next_check_at


def sla_clock_start(*, ticket, next_check_at: datetime | None) -> None:
    SlaClock.objects.create(ticket_id=ticket.pk, next_check_at=next_check_at)


def sla_refresh(*, ticket) -> dict:
    """Recompute and store the ticket's SLA columns from its history (call after any
    change of status, priority, category or first response)."""
    from tickets.models import TicketEvent

    status_changes = list(
        TicketEvent.objects.filter(ticket=ticket, field="status")
        .order_by("created_at", "id")
        .values_list("created_at", "to_value")
    )
    recorded = set(SlaEvent.objects.filter(ticket=ticket).values_list("metric", "threshold"))
    columns, next_check_at = _schedule_onto(ticket, status_changes=status_changes, recorded=recorded)
    type(ticket).objects.filter(pk=ticket.pk).update(**columns)
    SlaClock.objects.update_or_create(ticket_id=ticket.pk, defaults={"next_check_at": next_check_at})
    return {**columns, NEXT_CHECK: next_check_at}


def _tables() -> tuple[str, str, str]:
    from tickets.models import Ticket

    return Ticket._meta.db_table, SlaClock._meta.db_table, SlaEvent._meta.db_table


def _sweep_sql_postgresql(now: datetime) -> tuple[str, list]:
    """The whole sweep as one statement: lock the due clocks (those a ticket change holds
    right now are left for the next sweep), move each to the ticket's nearest threshold
    ahead, and record from the very rows it touched every threshold crossed. One
    snapshot; each due ticket read once; only the narrow clock rows are written.

    A clock never points past an unrecorded threshold (sla_refresh sets it to the
    earliest unrecorded one, the sweep records everything up to now), so thresholds
    before it are already recorded and are not offered to the INSERT again.
    Table and column names come from the models; every value is a query parameter."""
    ticket_table, clock_table, event_table = _tables()
    statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    ahead, crossed, crossed_params = [], [], []
    for (metric, threshold), column in THRESHOLD_COLUMNS.items():
        first_response = metric == SlaMetric.FIRST_RESPONSE
        unanswered = " AND ticket.first_response_at IS NULL" if first_response else ""
        ahead.append(f"CASE WHEN ticket.{column} > %s{unanswered} THEN ticket.{column} END")
        crossed.append(f"(%s, %s, swept.{column}, {'true' if first_response else 'false'})")
        crossed_params += [metric, threshold]
    returned = ", ".join(f"ticket.{column}" for column in THRESHOLD_COLUMNS.values())
    sql = (
        f"WITH due AS (SELECT ticket_id, next_check_at AS previous_check FROM {clock_table}"  # noqa: S608
        " WHERE next_check_at <= %s FOR UPDATE SKIP LOCKED),"
        f" swept AS (UPDATE {clock_table} AS clock"
        f" SET next_check_at = CASE WHEN ticket.status IN ({statuses}) THEN LEAST({', '.join(ahead)}) END"
        f" FROM due, {ticket_table} AS ticket WHERE clock.ticket_id = due.ticket_id AND ticket.id = clock.ticket_id"
        f" RETURNING ticket.id, ticket.level, ticket.status, ticket.first_response_at, due.previous_check, {returned})"
        f" INSERT INTO {event_table} (ticket_id, metric, threshold, due_at, level, recorded_at)"
        f" SELECT swept.id, crossed.metric, crossed.threshold, crossed.due_at, swept.level, %s FROM swept"
        f" CROSS JOIN LATERAL (VALUES {', '.join(crossed)}) AS crossed (metric, threshold, due_at, first_response)"
        f" WHERE swept.status IN ({statuses}) AND crossed.due_at <= %s AND crossed.due_at >= swept.previous_check"
        " AND (swept.first_response_at IS NULL OR NOT crossed.first_response)"
        " ON CONFLICT (ticket_id, metric, threshold) DO NOTHING RETURNING id"
    )
    params = [now, *OPEN_STATUSES, *[now] * len(ahead), now, *crossed_params, *OPEN_STATUSES, now]
    return sql, params


def _crossing_sql(now: datetime) -> tuple[str, list]:
    """Other databases: record every threshold crossed by the due tickets (one INSERT …
    SELECT over the six thresholds); the clocks are moved by a second statement."""
    ticket_table, clock_table, event_table = _tables()
    statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    selects, params = [], []
    for (metric, threshold), column in THRESHOLD_COLUMNS.items():
        condition = f"ticket.{column} <= %s"
        if metric == SlaMetric.FIRST_RESPONSE:
            condition += " AND ticket.first_response_at IS NULL"
        selects.append(
            f"SELECT ticket.id AS ticket_id, %s AS metric, %s AS threshold, ticket.{column} AS due_at,"  # noqa: S608
            f" ticket.level AS level FROM {ticket_table} AS ticket JOIN {clock_table} AS clock"
            f" ON clock.ticket_id = ticket.id WHERE clock.next_check_at <= %s"
            f" AND ticket.status IN ({statuses}) AND {condition}"
        )
        params += [metric, threshold, now, *OPEN_STATUSES, now]
    sql = (
        f"INSERT INTO {event_table} (ticket_id, metric, threshold, due_at, level, recorded_at)"  # noqa: S608
        f" SELECT ticket_id, metric, threshold, due_at, level, %s FROM ({' UNION ALL '.join(selects)}) AS crossing"
        " WHERE true ON CONFLICT (ticket_id, metric, threshold) DO NOTHING RETURNING id"
    )
    return sql, [now, *params]


def _move_clocks(now: datetime) -> None:
    """Other databases: move each due clock to its ticket's nearest threshold ahead."""
    from tickets.models import Ticket

    ahead = [
        Coalesce(
            Case(
                When(
                    Q(**{f"{column}__gt": now})
                    & (Q(first_response_at__isnull=True) if metric == SlaMetric.FIRST_RESPONSE else Q()),
                    then=F(column),
                ),
                output_field=DateTimeField(),
            ),
            Value(NEVER),
        )
        for (metric, _threshold), column in THRESHOLD_COLUMNS.items()
    ]
    next_check = (
        Ticket.objects.filter(pk=OuterRef("ticket_id"), status__in=OPEN_STATUSES)
        .annotate(next_check=NullIf(Least(*ahead), Value(NEVER)))
        .values("next_check")[:1]
    )
    SlaClock.objects.filter(next_check_at__lte=now).update(next_check_at=Subquery(next_check))


def sla_sweep(*, now: datetime | None = None) -> list[int]:
    """Record every threshold crossed by now (each once) and move the swept tickets'
    next check forward. Returns the ids of the SLA events recorded by this sweep."""
    now = now or timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(*_sweep_sql_postgresql(now))
                event_ids = [row[0] for row in cursor.fetchall()]
            else:
                # SQLite runs write transactions one at a time: the two statements cannot race.
                cursor.execute(*_crossing_sql(now))
                event_ids = [row[0] for row in cursor.fetchall()]
                _move_clocks(now)
        # Events whose notification never reached a worker (broker away) go out again.
        stale = list(
            SlaEvent.objects.filter(notified_at__isnull=True, recorded_at__lt=now - NOTIFY_RETRY_AFTER)
            .order_by("id")
            .values_list("pk", flat=True)[:STALE_BATCH]
        )
        to_notify = event_ids + stale
        if to_notify:
            from .notifications import sla_notifications_enqueue

            transaction.on_commit(lambda: sla_notifications_enqueue(to_notify))
    return event_ids
