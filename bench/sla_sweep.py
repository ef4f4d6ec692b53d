"""Wall time of the SLA sweep on a large PostgreSQL dataset, and the cost of one ticket's due times.

Run from the project root: ``.venv/bin/python bench/sla_sweep.py [--tickets N] [--reseed] [--explain]``.
It uses its own database (``BENCH_SLA_DATABASE_URL``), creates and migrates it when needed and
seeds it with set-based SQL (INSERT … SELECT FROM generate_series) only when it does not hold
the dataset asked for, so reruns go straight to the measurements.

The dataset: one ticket in five is open (new, open or pending; pending ones have no SLA
times), the rest resolved or closed; ids are not ordered by status, so the open tickets are
spread over the whole table. Every ticket has its SLA clock row (``sla.SlaClock``, as
``sla_refresh`` leaves one for every ticket it touches) holding the ticket's next check: the
nearest threshold still ahead for a running ticket, NULL for pending, resolved and closed
ones. Every threshold already behind the sweep instant is recorded as an SLA event, as
earlier sweeps would have left it. One open ticket in twenty (one ticket in a hundred)
crosses exactly one new threshold in the minute before the sweep instant, so each sweep must
record exactly that many events. Each sweep runs inside a transaction that is rolled back,
after a VACUUM of the tables it writes (SLA clocks and SLA events) and of the tickets it
reads, so every run starts from the same state. Exits 1 when a sweep records the wrong
number of events.

A database seeded before the clock table existed is migrated (the migration copies the next
checks it finds into clock rows, but only for tickets that had one); the bench notices that
not every ticket has its clock row and seeds again.
"""

import argparse
import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support.database import django_on_bench_database  # noqa: E402
from bench.support.due_time_cases import HOLIDAY_COUNT, measure, random_instants, three_pauses  # noqa: E402
from bench.support.machine import load  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_sla"
# The sweep instant the data is laid out around: Monday 2 March 2026, 10:00 in Jakarta.
SWEEP_AT = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
# The previous sweep ran a minute earlier: nothing is due then (the steady state).
QUIET_AT = SWEEP_AT - timedelta(minutes=1)
OPEN_EVERY = 5  # one ticket in five is open
CROSSING_EVERY = 20  # one open ticket in twenty crosses a threshold at the sweep
# Wall-clock stand-ins for each priority's targets (first response, resolution): office-hours
# targets stretched over nights and weekends, P1 around the clock. The sweep only compares
# stored instants, so their exact calendar arithmetic does not matter here.
FIRST_RESPONSE_TARGETS = ["15 minutes", "160 minutes", "640 minutes", "1 day"]
RESOLUTION_TARGETS = ["4 hours", "1 day", "4 days", "7 days"]
TARGET_SECONDS = 1.0
DUE_TIMES_TARGET_US = 1000.0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tickets",
        type=int,
        default=int(os.environ.get("BENCH_TICKETS", "1000000")),
        help="tickets in the dataset, a multiple of 100 (default: env BENCH_TICKETS or 1000000)",
    )
    parser.add_argument("--reseed", action="store_true", help="truncate tickets and seed again")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "7")), help="timed sweeps")
    parser.add_argument("--warmup", type=int, default=1, help="untimed sweeps before the timed ones")
    parser.add_argument("--calls", type=int, default=5000, help="timed due-time computations per case")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print EXPLAIN (ANALYZE, BUFFERS) of every statement the sweep runs (rolled back)",
    )
    args = parser.parse_args()
    if args.tickets <= 0 or args.tickets % (OPEN_EVERY * CROSSING_EVERY):
        parser.error(f"--tickets must be a positive multiple of {OPEN_EVERY * CROSSING_EVERY}")
    return args


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

    from tickets.demo import EXTRA_REQUESTERS, demo_users_ensure
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


def tables_vacuum() -> None:
    """Clear what the previous rolled-back sweep left behind (dead row versions and index
    entries in the SLA clocks and events it writes), so that every run starts from the same
    state, as autovacuum keeps it; the tickets it reads are vacuumed too (all-visible, cheap)."""
    from django.db import connection

    from sla.models import SlaClock, SlaEvent
    from tickets.models import Ticket

    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in (SlaClock, SlaEvent, Ticket))
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {tables}")


def sweep_timed(now: datetime) -> tuple[float, float, int]:
    """Seconds taken by one sweep at ``now``, seconds taken by the foreign key checks its
    commit would run, and the number of events it recorded; all rolled back."""
    from django.db import connection, transaction

    from escalation.services import sla_sweep

    tables_vacuum()
    with transaction.atomic():
        started = time.perf_counter()
        recorded = sla_sweep(now=now)
        swept = time.perf_counter()
        with connection.cursor() as cursor:
            # The deferred foreign keys of the new events are checked at commit; check them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        checked = time.perf_counter()
        # Rolling back leaves the data as it was, and drops the on-commit notification fan-out.
        transaction.set_rollback(True)
    return swept - started, checked - swept, len(recorded)


def sweep_statements(now: datetime) -> list[str]:
    """The SQL statements one sweep at ``now`` runs, with their parameters in place; rolled back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from escalation.services import sla_sweep

    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        sla_sweep(now=now)
        transaction.set_rollback(True)
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))
    ]


LONG_ARRAY = re.compile(r"'\{(\d+,\d+,\d+),[\d,]{100,}\}'")


def abbreviated(line: str) -> str:
    """The plan line with long literal arrays of ids cut to their first three and a count."""
    return LONG_ARRAY.sub(lambda match: f"'{{{match.group(1)},… {match.group(0).count(',') + 1:,} values}}'", line)


def sweep_explained(now: datetime) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement of one sweep, run in order in one
    transaction that is rolled back."""
    from django.db import connection, transaction

    statements = sweep_statements(now)
    with transaction.atomic(), connection.cursor() as cursor:
        for number, statement in enumerate(statements, start=1):
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}")
            print(f"-- statement {number} of {len(statements)}: {statement[:160]}{'…' if len(statement) > 160 else ''}")
            for (line,) in cursor.fetchall():
                print(abbreviated(line))
            print()
        transaction.set_rollback(True)


def percentile_90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8] if len(values) > 1 else values[0]


def due_times_measured(calls: int) -> tuple[list[tuple[str, float, float]], int]:
    """Median and p90 µs of ``sla_schedule`` for one P4 ticket on Jakarta office hours
    with 30 holidays: a ticket running since it was created, and one paused three times."""
    import random

    from sla.calendars import BusinessCalendar, indonesian_holidays
    from sla.schedule import sla_schedule
    from sla.selectors import sla_policy_for
    from tickets.choices import Status
    from tickets.models import Ticket
    from tickets.services.sla import ticket_clock_facts

    policy = sla_policy_for(priority=4, category_id=None)
    holidays = sorted(indonesian_holidays([2026, 2027]))[:HOLIDAY_COUNT]
    calendar = BusinessCalendar.office_hours(policy.calendar.time_zone, holidays=holidays)
    rng = random.Random(2026)
    running = [(Ticket(created_at=start, status=Status.OPEN, priority=4), []) for start in random_instants(rng, calls)]
    paused = []
    for start in random_instants(rng, calls):
        changes = []
        for run_start, run_end in three_pauses(rng, start):
            if run_start != start:
                changes.append((run_start, Status.OPEN))
            if run_end is not None:
                changes.append((run_end, Status.PENDING))
        paused.append((Ticket(created_at=start, status=Status.OPEN, priority=4), changes))

    def schedule(case):
        ticket, changes = case
        return sla_schedule(facts=ticket_clock_facts(ticket, changes), targets=policy, calendar=calendar)

    results = []
    for name, cases in [("sla_schedule P4, running since created", running), ("sla_schedule P4, 3 pauses", paused)]:
        median, p90 = measure(schedule, cases)
        results.append((name, median, p90))
    return results, len(calendar.holidays)


def main() -> int:
    args = arguments()
    expected = Expected(args.tickets)
    django_on_bench_database("BENCH_SLA_DATABASE_URL", DEFAULT_DATABASE_URL)

    from django.db import connection
    from django.test.utils import override_settings

    from sla.models import SlaEvent

    seeding_seconds = dataset_ensure(expected=expected, reseed=args.reseed)

    tickets, open_tickets, crossing, clocks = dataset_counts()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    print()
    print(
        f"Database      {connection.settings_dict['NAME']} on PostgreSQL {server_version}, shared_buffers {shared_buffers}"
    )
    print(
        f"Dataset       {tickets:,} tickets, {open_tickets:,} open; {clocks:,} SLA clocks, {crossing:,} due for the "
        f"sweep at {SWEEP_AT:%Y-%m-%d %H:%M} UTC; {SlaEvent.objects.count():,} SLA events already recorded"
    )
    print(
        "Seeding       "
        + (
            f"{seeding_seconds:.0f} s (set-based SQL: tickets, SLA clocks, SLA events; then VACUUM (ANALYZE))"
            if seeding_seconds
            else "data present, skipped"
        )
    )
    print(
        f"Timing        {args.warmup} warm-up + {args.runs} timed sweeps, DEBUG=False; CPUs: {os.cpu_count()}, load: {load()}"
    )
    print(
        "Scope         sla_sweep() alone (not the ladder rules the periodic task runs after it), inside a "
        "transaction that is rolled back,\n              then the deferred foreign key checks of its commit (SET "
        "CONSTRAINTS ALL IMMEDIATE, timed apart);\n              not the commit's WAL flush, nor the notification "
        "tasks it enqueues on commit (never run on rollback).\n              VACUUM of SLA clocks, SLA events and tickets "
        "(untimed) before each run, so each starts from the same state."
    )
    print()

    failed = False
    with override_settings(DEBUG=False):
        for _run in range(args.warmup):
            sweep_timed(SWEEP_AT)
        sweeps, checks, counts = [], [], []
        for _run in range(args.runs):
            seconds, check_seconds, recorded = sweep_timed(SWEEP_AT)
            sweeps.append(seconds)
            checks.append(check_seconds)
            counts.append(recorded)
        quiet, quiet_counts = [], []
        for _run in range(args.runs):
            seconds, _check_seconds, recorded = sweep_timed(QUIET_AT)
            quiet.append(seconds)
            quiet_counts.append(recorded)

    totals = [sweep + check for sweep, check in zip(sweeps, checks, strict=True)]
    header = f"{'case':<44}  {'median ms':>9}  {'p90 ms':>8}  {'min ms':>8}  events per run"
    print(header)
    print("-" * len(header))
    for name, timings, events in [
        (f"sweep, {expected.crossing:,} tickets crossing", sweeps, counts),
        ("  + FK checks of its commit", totals, counts),
        ("sweep, nothing due (steady state)", quiet, quiet_counts),
    ]:
        print(
            f"{name:<44}  {statistics.median(timings) * 1000:>9.1f}  {percentile_90(timings) * 1000:>8.1f}  "
            f"{min(timings) * 1000:>8.1f}  {', '.join(f'{count:,}' for count in sorted(set(events)))}"
        )
    print("each run (ms): " + ", ".join(f"{seconds * 1000:.0f}" for seconds in sweeps))
    median = statistics.median(totals)
    verdict = "met" if median < TARGET_SECONDS else "MISSED"
    print(f"Target: sweep median under {TARGET_SECONDS:.0f} s: {verdict} ({median * 1000:.0f} ms with FK checks).")
    if any(count != expected.crossing for count in counts):
        print(f"FAILED: a sweep recorded {counts} events, expected {expected.crossing:,} each.", file=sys.stderr)
        failed = True
    if any(quiet_counts):
        print(f"FAILED: a sweep with nothing due recorded {quiet_counts} events.", file=sys.stderr)
        failed = True

    print()
    due_times, holiday_count = due_times_measured(args.calls)
    print(f"Due times: Jakarta office hours Mon-Fri 08:00-17:00, {holiday_count} holidays; {args.calls:,} tickets each")
    header = f"{'case':<44}  {'median µs':>9}  {'p90 µs':>8}"
    print(header)
    print("-" * len(header))
    for name, median_us, p90_us in due_times:
        print(f"{name:<44}  {median_us:>9.1f}  {p90_us:>8.1f}")
    worst = max(median_us for _name, median_us, _p90 in due_times)
    verdict = "met" if worst < DUE_TIMES_TARGET_US else "MISSED"
    print(f"Target: due times for one ticket under {DUE_TIMES_TARGET_US / 1000:.0f} ms median: {verdict}.")

    if args.explain:
        print()
        print(f"EXPLAIN (ANALYZE, BUFFERS) of the sweep at {SWEEP_AT:%Y-%m-%d %H:%M} UTC (rolled back):")
        sweep_explained(SWEEP_AT)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
