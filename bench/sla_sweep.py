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
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support.database import django_on_bench_database  # noqa: E402
from bench.support.due_time_cases import HOLIDAY_COUNT, measure, random_instants, three_pauses  # noqa: E402
from bench.support.machine import load  # noqa: E402
from bench.support.sla_dataset import (  # noqa: E402
    CROSSING_EVERY,
    OPEN_EVERY,
    SWEEP_AT,
    Expected,
    dataset_counts,
    dataset_ensure,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_sla"
# The previous sweep ran a minute earlier: nothing is due then (the steady state).
QUIET_AT = SWEEP_AT - timedelta(minutes=1)
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
