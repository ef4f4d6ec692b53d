"""The SLA sweep's dataset, laid out around one sweep instant: tickets (one in five open),
every ticket's SLA clock and the SLA events earlier sweeps would have recorded, seeded with
set-based SQL (INSERT … SELECT FROM generate_series) into the database of bench/sla_sweep.py,
whose docstring describes it; and how to tell whether the database holds it."""

import os
import time
from datetime import UTC, datetime

# The sweep instant the data is laid out around: Monday 2 March 2026, 10:00 in Jakarta.
SWEEP_AT = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
OPEN_EVERY = 5  # one ticket in five is open
CROSSING_EVERY = 20  # one open ticket in twenty crosses a threshold at the sweep
# Wall-clock stand-ins for each priority's targets (first response, resolution): office-hours
# targets stretched over nights and weekends, P1 around the clock. The sweep only compares
# stored instants, so their exact calendar arithmetic does not matter here.
FIRST_RESPONSE_TARGETS = ["15 minutes", "160 minutes", "640 minutes", "1 day"]
RESOLUTION_TARGETS = ["4 hours", "1 day", "4 days", "7 days"]


class Expected:
    """The dataset the bench asks for."""

    def __init__(self, tickets: int) -> None:
        self.tickets = tickets
        self.open = tickets // OPEN_EVERY
        self.crossing = self.open // CROSSING_EVERY


def dataset_counts() -> tuple[int, int, int, int]:
    """Tickets, open tickets, SLA clocks due for the sweep at SWEEP_AT (the sweep takes
    every due clock, whatever its ticket's status) and SLA clocks."""
    from sla.models import SlaClock
    from tickets.choices import OPEN_STATUSES
    from tickets.models import Ticket

    return (
        Ticket.objects.count(),
        Ticket.objects.filter(status__in=OPEN_STATUSES).count(),
        SlaClock.objects.filter(next_check_at__lte=SWEEP_AT).count(),
        SlaClock.objects.count(),
    )


def _column_at(columns: list[str], *, index: str) -> str:
    """SQL for the value of the index-th (from 1) of the given columns."""
    return "(ARRAY[" + ", ".join(columns) + f"])[{index}]"


FIRST_RESPONSE_COLUMNS = ["first_response_warn1_at", "first_response_warn2_at", "first_response_due_at"]
RESOLUTION_COLUMNS = ["resolution_warn1_at", "resolution_warn2_at", "resolution_due_at"]
# The six threshold columns in the order crossing_threshold_sql counts them.
ORDERED_COLUMNS = FIRST_RESPONSE_COLUMNS + RESOLUTION_COLUMNS


def crossing_sql(n: str) -> str:
    """SQL: is ticket number n (its id) one of those crossing a threshold at the sweep?"""
    return f"({n}) %% ({OPEN_EVERY} * {CROSSING_EVERY}) = 0"


def crossing_threshold_sql(n: str, status: str) -> str:
    """SQL: which threshold (0 to 5, in ORDERED_COLUMNS) crossing ticket number n crosses:
    new tickets go through all six, open (answered) ones through the resolution three."""
    step = f"({n}) / {OPEN_EVERY} / (2 * {CROSSING_EVERY})"
    return f"CASE WHEN {status} = 'new' THEN {step} %% 6 ELSE 3 + {step} %% 3 END"


def tickets_insert_sql() -> str:
    """One INSERT … SELECT for every ticket, with ids 1 to N (clocks_insert_sql tells the
    crossing tickets by their id). The innermost query draws the random numbers (OFFSET 0
    keeps each layer from being merged into the next, so each draw happens once); the next
    decides the status and the history instants; the next the six threshold instants; the
    outer one the queue's due time."""
    from tickets.models import THRESHOLD_COLUMNS, Ticket

    assert sorted(ORDERED_COLUMNS) == sorted(THRESHOLD_COLUMNS.values())
    ordered = ORDERED_COLUMNS
    # Finished tickets keep the thresholds reached before they were resolved; pending ones have none.
    thresholds = ",\n        ".join(
        f"CASE WHEN kind = 'running' OR (kind = 'finished' AND created_at + {share} * {target} <= resolved_at)"
        f" THEN created_at + {share} * {target} END AS {column}"
        for column, share, target in [
            ("first_response_warn1_at", "0.5", "first_response_target"),
            ("first_response_warn2_at", "0.8", "first_response_target"),
            ("first_response_due_at", "1.0", "first_response_target"),
            ("resolution_warn1_at", "0.5", "resolution_target"),
            ("resolution_warn2_at", "0.8", "resolution_target"),
            ("resolution_due_at", "1.0", "resolution_target"),
        ]
    )
    # Table and column names come from the models and constants above; values are parameters.
    return f"""
INSERT INTO {Ticket._meta.db_table} (
    id, subject, description, impact, urgency, priority, status, level, channel, resolution,
    created_at, updated_at, first_response_at, resolved_at, closed_at,
    assignee_id, category_id, requester_id,
    {", ".join(ordered)}, sla_due_at
)
SELECT
    n, subject, description, impact, urgency, priority, status, level, channel, resolution,
    created_at, updated_at, first_response_at, resolved_at, closed_at,
    assignee_id, category_id, requester_id,
    {", ".join(ordered)},
    CASE WHEN kind = 'running' THEN COALESCE(CASE WHEN first_response_at IS NULL THEN first_response_due_at END,
                                             resolution_due_at) END
FROM (
    SELECT history.*,
        {thresholds}
    FROM (
        SELECT timeline.*,
            CASE WHEN kind = 'finished' THEN 'Fixed: see the conversation for the steps taken.' ELSE '' END AS resolution,
            CASE WHEN status = 'closed' THEN LEAST(resolved_at + r9 * interval '3 days', %(now)s) END AS closed_at,
            LEAST(GREATEST(created_at, first_response_at, resolved_at) + r9 * interval '1 hour', %(now)s) AS updated_at
        FROM (
            SELECT placed.*,
                CASE WHEN kind = 'finished'
                     THEN LEAST(first_response_at + r8 * 1.3 * resolution_target, %(now)s - interval '1 minute')
                END AS resolved_at
            FROM (
                SELECT started.*,
                    CASE WHEN status <> 'new'
                         THEN LEAST(created_at + r7 * 1.2 * first_response_target, %(now)s - interval '1 minute')
                    END AS first_response_at
                FROM (
                    SELECT shaped.*,
                        CASE
                            -- The crossing threshold falls in the 50 s before the sweep instant.
                            WHEN crossing THEN %(now)s - r6 * interval '50 seconds'
                                - (ARRAY[0.5, 0.8, 1.0])[crossing_threshold %% 3 + 1]
                                  * CASE WHEN crossing_threshold < 3 THEN first_response_target
                                         ELSE resolution_target END
                            -- Open tickets are mostly young: 36 h on average, none older than 30 days.
                            WHEN open_class THEN %(now)s - interval '90 seconds'
                                - LEAST(30 * 24, -ln(1 - r6) * 36) * interval '1 hour'
                            ELSE %(now)s - interval '1 day' - r6 * interval '365 days'
                        END AS created_at
                    FROM (
                        SELECT drawn.*,
                            CASE WHEN status IN ('new', 'open') THEN 'running'
                                 WHEN status = 'pending' THEN 'paused' ELSE 'finished' END AS kind,
                            CASE WHEN crossing THEN {crossing_threshold_sql("n", "status")} END
                                AS crossing_threshold,
                            (%(first_response_targets)s::interval[])[priority] AS first_response_target,
                            (%(resolution_targets)s::interval[])[priority] AS resolution_target,
                            (ARRAY['high', 'high', 'medium', 'low'])[priority] AS impact,
                            (ARRAY['high', 'medium', 'medium', 'medium'])[priority] AS urgency,
                            'Ticket ' || n || ': ' || (ARRAY['Cannot log in after password expired',
                                'Outlook keeps asking for my password', 'Printer on floor 3 jams every page',
                                'Laptop very slow after update', 'VPN connects but no internal sites',
                                'File server not reachable'])[1 + n %% 6] AS subject,
                            'Since this morning: ' || (ARRAY['Cannot log in after password expired',
                                'Outlook keeps asking for my password', 'Printer on floor 3 jams every page',
                                'Laptop very slow after update', 'VPN connects but no internal sites',
                                'File server not reachable'])[1 + n %% 6]
                                || E'. I restarted the computer and tried again, it still happens.\\n\\n'
                                || 'Location: Head office, floor 2.' AS description,
                            (ARRAY['web', 'web', 'web', 'email', 'phone', 'chat'])[1 + n %% 6] AS channel,
                            (%(categories)s::bigint[])[1 + floor(r3 * cardinality(%(categories)s::bigint[]))::int]
                                AS category_id,
                            (%(requesters)s::bigint[])[1 + n %% cardinality(%(requesters)s::bigint[])] AS requester_id,
                            CASE WHEN status <> 'new' AND r5 < 0.8 THEN (%(agents)s::bigint[])[level] END AS assignee_id
                        FROM (
                            SELECT n, open_class, open_number, crossing, r3, r5, r6, r7, r8, r9,
                                CASE
                                    WHEN crossing THEN CASE WHEN open_number %% (2 * {CROSSING_EVERY}) = 0
                                                            THEN 'new' ELSE 'open' END
                                    WHEN open_class AND open_number %% {CROSSING_EVERY} BETWEEN 1 AND 3 THEN 'pending'
                                    WHEN open_class AND open_number %% {CROSSING_EVERY} BETWEEN 4 AND 10 THEN 'new'
                                    WHEN open_class THEN 'open'
                                    WHEN r1 < 0.8 THEN 'closed'
                                    ELSE 'resolved'
                                END AS status,
                                CASE WHEN r2 < 0.05 THEN 1 WHEN r2 < 0.20 THEN 2 WHEN r2 < 0.60 THEN 3 ELSE 4 END
                                    AS priority,
                                CASE WHEN r4 < 0.70 THEN 1 WHEN r4 < 0.92 THEN 2 ELSE 3 END AS level
                            FROM (
                                SELECT n,
                                    n %% {OPEN_EVERY} = 0 AS open_class,
                                    n / {OPEN_EVERY} AS open_number,
                                    {crossing_sql("n")} AS crossing,
                                    random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
                                    random() AS r6, random() AS r7, random() AS r8, random() AS r9
                                FROM generate_series(1, %(tickets)s) AS n
                                OFFSET 0
                            ) AS random_draws
                            OFFSET 0
                        ) AS drawn
                        OFFSET 0
                    ) AS shaped
                    OFFSET 0
                ) AS started
                OFFSET 0
            ) AS placed
            OFFSET 0
        ) AS timeline
        OFFSET 0
    ) AS history
    OFFSET 0
) AS scheduled
"""  # noqa: S608


def clocks_insert_sql() -> str:
    """One INSERT … SELECT of every ticket's SLA clock: a crossing ticket's next check is the
    threshold it crosses (in the minute before the sweep instant), a running one's its nearest
    threshold still ahead (first response ones only while unanswered), and the others have
    nothing ahead (NULL)."""
    from sla.models import SlaClock
    from tickets.choices import Status
    from tickets.models import Ticket

    running = ", ".join(f"'{status}'" for status in (Status.NEW, Status.OPEN))
    ahead = ", ".join(
        [
            f"CASE WHEN first_response_at IS NULL AND {column} > %(now)s THEN {column} END"
            for column in FIRST_RESPONSE_COLUMNS
        ]
        + [f"CASE WHEN {column} > %(now)s THEN {column} END" for column in RESOLUTION_COLUMNS]
    )
    crossed = _column_at(ORDERED_COLUMNS, index=f"{crossing_threshold_sql('id', 'status')} + 1")
    return f"""
INSERT INTO {SlaClock._meta.db_table} (ticket_id, next_check_at)
SELECT id,
    CASE WHEN {crossing_sql("id")} THEN {crossed}
         WHEN status IN ({running}) THEN LEAST({ahead}) END
FROM {Ticket._meta.db_table}
"""  # noqa: S608


def events_insert_sql() -> str:
    """Every threshold crossed before the sweep instant, as earlier sweeps recorded it:
    first response ones up to the first response, resolution ones up to the resolution,
    and never the threshold an open ticket's next check still waits for."""
    from sla.choices import SlaMetric
    from sla.models import SlaClock, SlaEvent
    from tickets.models import THRESHOLD_COLUMNS, Ticket

    rows = ",\n".join(
        f"('{metric}', '{threshold}', ticket.{column}, "
        + (
            "COALESCE(ticket.first_response_at, %(now)s))"
            if metric == SlaMetric.FIRST_RESPONSE
            else "COALESCE(ticket.resolved_at, %(now)s))"
        )
        for (metric, threshold), column in THRESHOLD_COLUMNS.items()
    )
    return f"""
INSERT INTO {SlaEvent._meta.db_table} (ticket_id, metric, threshold, due_at, recorded_at, level, notified_at)
SELECT ticket.id, crossed.metric, crossed.threshold, crossed.at, crossed.at, ticket.level, crossed.at
FROM {Ticket._meta.db_table} AS ticket
LEFT JOIN {SlaClock._meta.db_table} AS clock ON clock.ticket_id = ticket.id
CROSS JOIN LATERAL (VALUES {rows}) AS crossed (metric, threshold, at, until)
WHERE crossed.at IS NOT NULL AND crossed.at <= crossed.until
  AND (clock.next_check_at IS NULL OR crossed.at < clock.next_check_at)
"""  # noqa: S608


def dataset_seed(*, expected: Expected) -> float:
    """Truncate the tickets (and everything pointing at them: SLA clocks, events, …) and seed
    them again: tickets, then their SLA clocks, then the events already recorded; seconds taken."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from demo.data import EXTRA_REQUESTERS, demo_users_ensure
    from tickets.models import Category, Ticket

    started = time.perf_counter()
    users = demo_users_ensure(password=os.environ.get("DEMO_PASSWORD", "helpdesk-demo"))
    requesters = [users["requester"].pk, *[users[username].pk for username, *_rest in EXTRA_REQUESTERS]]
    agents = [users["agent1"].pk, users["agent2"].pk, users["agent3"].pk]
    categories = list(Category.objects.order_by("pk").values_list("pk", flat=True))
    assert get_user_model().objects.filter(pk__in=requesters + agents).count() == len(requesters) + len(agents)
    parameters = {
        "now": SWEEP_AT,
        "tickets": expected.tickets,
        "first_response_targets": FIRST_RESPONSE_TARGETS,
        "resolution_targets": RESOLUTION_TARGETS,
        "categories": categories,
        "requesters": requesters,
        "agents": agents,
    }
    table = connection.ops.quote_name(Ticket._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        # CASCADE empties every table that points at tickets (comments, SLA clocks and events, outbox).
        cursor.execute(f"TRUNCATE {table} RESTART IDENTITY CASCADE")
        cursor.execute("SELECT setseed(0.2026)")
        print(f"Seeding {expected.tickets:,} tickets...", flush=True)
        cursor.execute(tickets_insert_sql(), parameters)
        print(f"  {cursor.rowcount:,} tickets ({time.perf_counter() - started:.0f} s)", flush=True)
        # The ids were given explicitly: tickets created later continue after them.
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [Ticket._meta.db_table, expected.tickets])
        cursor.execute(clocks_insert_sql(), parameters)
        print(f"  {cursor.rowcount:,} SLA clocks ({time.perf_counter() - started:.0f} s)", flush=True)
        cursor.execute(events_insert_sql(), parameters)
        print(f"  {cursor.rowcount:,} SLA events already recorded ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        # VACUUM sets the visibility map and hint bits, as autovacuum would on a table this old.
        cursor.execute("VACUUM (ANALYZE)")
    seconds = time.perf_counter() - started
    print(f"  VACUUM (ANALYZE) done; seeding took {seconds:.0f} s", flush=True)
    return seconds


def dataset_ensure(*, expected: Expected, reseed: bool) -> float | None:
    """Seed when asked to or when the database does not hold the dataset; seconds taken, or None."""
    if not reseed:
        counts = dataset_counts()
        if counts == (expected.tickets, expected.open, expected.crossing, expected.tickets):
            return None
        tickets, _open, _due, clocks = counts
        if tickets and clocks < tickets:
            # Seeded before sla.SlaClock: the migration gave clocks only to the tickets
            # that had a next check, or none at all.
            print(f"{clocks:,} SLA clocks for {tickets:,} tickets; seeding again.")
        else:
            print("The database does not hold the dataset asked for; seeding it again.")
    return dataset_seed(expected=expected)
