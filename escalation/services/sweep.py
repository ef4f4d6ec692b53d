"""The SLA sweep: set-based SQL that records every threshold crossed, once.

One INSERT … SELECT records every threshold crossed (once, by a unique constraint, so two
sweeps at once never double anything) and one UPDATE moves each swept ticket's next check
to its next threshold. The events it records are then notified, and the escalation rules
they trigger fired, by workers (``escalation.services.notices``).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Least, NullIf
from django.utils import timezone

from sla.choices import SlaMetric
from sla.models import SlaClock, SlaEvent
from tickets.choices import OPEN_STATUSES
from tickets.models import THRESHOLD_COLUMNS, Ticket

from .sla_events import sla_notifications_enqueue

# Far enough that no real threshold reaches it; stands in for "none" inside LEAST().
NEVER = datetime(9999, 1, 1, tzinfo=ZoneInfo("UTC"))
NOTIFY_RETRY_AFTER = timedelta(minutes=2)
STALE_BATCH = 5000


def _tables() -> tuple[str, str, str]:
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
            transaction.on_commit(lambda: sla_notifications_enqueue(to_notify))
    return event_ids
