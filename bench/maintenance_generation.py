"""Opening preventive maintenance tickets in bulk: 10,000 plans falling due at once.

Run from the project root: ``.venv/bin/python bench/maintenance_generation.py [--plans N]``.
It uses its own database (``BENCH_MAINTENANCE_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/helpdesk_bench_maintenance), creates and migrates it
when needed, and seeds it (one server per plan, one plan per server, every first Monday
at a time of its own, with a three-step checklist, all due at the same instant) only when
it does not hold the plans asked for.

Each timed run opens every due ticket with the generation the beat task runs
(maintenance.services.maintenance_runs_open: claimed runs, tickets filed in bulk with their
SLA columns and clock, CREATED events, checklists and asset links, the plans moved on)
inside a transaction that is rolled back, so every run starts from the same state; the
recurrence rules are read afresh each run. Printed: the median of the runs in tickets per
second and the queries one run makes. Side by side, in the same process: the same tickets
filed one by one through the single-ticket service ``ticket_create`` (with their
checklist and asset link, as a loop would have to), and the floor, a bare bulk INSERT of
as many ticket rows and nothing else.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support.database import django_on_bench_database  # noqa: E402
from bench.support.machine import load  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_maintenance"
# Monday 4 January 2027, 09:00 in Jakarta: every plan's first occurrence is then (each at
# a minute of its own, up to 2 h 46 min later), and the runs open at SWEEP_AT.
FIRST_MONDAY = datetime(2027, 1, 4, 2, 0, tzinfo=UTC)
SWEEP_AT = FIRST_MONDAY + timedelta(hours=3)
CHECKLIST = ["Read the backup log", "Restore one file to a scratch folder", "Note the result on the ticket"]
TAG_PREFIX = "BENCH-SRV-"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=int(os.environ.get("BENCH_PLANS", "10000")))
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "5")), help="timed runs")
    parser.add_argument(
        "--single",
        type=int,
        default=None,
        help="tickets filed one by one for the side-by-side figure (default: as many as plans)",
    )
    return parser.parse_args()


def dataset_ensure(plans: int) -> None:
    """One server and one monthly plan per server, due at FIRST_MONDAY (+ a minute each)."""
    from django.db import transaction

    from assets.models import Asset
    from maintenance.models import MaintenancePlan
    from maintenance.services import maintenance_account
    from tests.factories import make_supervisor

    if MaintenancePlan.objects.filter(name__startswith="Bench").count() == plans:
        return
    print(f"Seeding {plans:,} servers and plans…")
    with transaction.atomic():
        MaintenancePlan.objects.all().delete()
        Asset.objects.filter(tag__startswith=TAG_PREFIX).delete()
        author = make_supervisor(username="bench-planner")
        maintenance_account()
        assets = Asset.objects.bulk_create(
            [Asset(tag=f"{TAG_PREFIX}{n:06d}", asset_type="server", name=f"Server {n}") for n in range(plans)],
            batch_size=2000,
        )
        rows = []
        for n, asset in enumerate(assets):
            due = FIRST_MONDAY + timedelta(minutes=n % 167)
            rows.append(
                MaintenancePlan(
                    name=f"Bench backup check {n}",
                    asset=asset,
                    rrule="FREQ=MONTHLY;BYDAY=1MO",
                    dtstart=due,
                    time_zone="Asia/Jakarta",
                    checklist=CHECKLIST,
                    level=2,
                    lead_time=timedelta(hours=4),
                    next_due_at=due,
                    next_open_at=due - timedelta(hours=4),
                    created_by=author,
                )
            )
        MaintenancePlan.objects.bulk_create(rows, batch_size=2000)


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "tickets_ticket",
            "tickets_ticketevent",
            "tickets_ticketchecklistitem",
            "sla_slaclock",
            "assets_ticketasset",
            "maintenance_maintenancerun",
            "maintenance_maintenanceplan",
        ):
            cursor.execute(f"VACUUM {table}")


def generation_timed(expected: int) -> tuple[float, int]:
    """Seconds one generation takes at SWEEP_AT and the queries it makes; rolled back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from maintenance import recurrence
    from maintenance.services import maintenance_runs_open

    vacuum()
    recurrence._parse.cache_clear()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        opened = maintenance_runs_open(now=SWEEP_AT)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    if opened != expected:
        raise SystemExit(f"opened {opened} tickets, expected {expected}")
    return elapsed, len(queries)


def one_by_one_timed(count: int) -> float:
    """Seconds to file ``count`` of the same tickets one by one through ``ticket_create``
    (each with its checklist and asset link); rolled back."""
    from django.db import connection, transaction

    from assets.models import Asset, TicketAsset
    from maintenance.services import maintenance_account
    from tickets.models import TicketChecklistItem
    from tickets.services import ticket_create

    vacuum()
    account = maintenance_account()
    assets = list(Asset.objects.filter(tag__startswith=TAG_PREFIX).order_by("id")[:count])
    with transaction.atomic():
        started = time.perf_counter()
        for asset in assets:
            ticket = ticket_create(
                requester=account,
                subject=f"Maintenance: Bench backup check — {asset.tag} {asset.name}",
                description="Preventive maintenance, due Monday 4 January 2027, 09:00.",
                urgency="medium",
                level=2,
            )
            TicketChecklistItem.objects.bulk_create(
                [TicketChecklistItem(ticket=ticket, position=n, text=text) for n, text in enumerate(CHECKLIST, 1)]
            )
            TicketAsset.objects.create(ticket=ticket, asset=asset)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def floor_timed(count: int) -> float:
    """Seconds for a bare bulk INSERT of ``count`` ticket rows (nothing else); rolled back."""
    from django.db import transaction
    from django.utils import timezone

    from maintenance.services import maintenance_account
    from tickets.models import Ticket

    vacuum()
    account = maintenance_account()
    now = timezone.now()
    with transaction.atomic():
        started = time.perf_counter()
        Ticket.objects.bulk_create(
            [
                Ticket(requester=account, subject=f"Maintenance {n}", description="x", created_at=now, updated_at=now)
                for n in range(count)
            ],
            batch_size=1000,
        )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def main() -> None:
    args = arguments()
    url = django_on_bench_database("BENCH_MAINTENANCE_DATABASE_URL", DEFAULT_DATABASE_URL)
    dataset_ensure(args.plans)
    print(f"Database: {url.rsplit('@', 1)[-1]}; {args.plans:,} plans due at once; load {load()}")
    generation_timed(args.plans)  # warm-up: policies and calendars read once per process
    times = []
    queries = 0
    for run in range(args.runs):
        seconds, queries = generation_timed(args.plans)
        times.append(seconds)
        print(f"  run {run + 1}: {seconds:.2f} s, {args.plans / seconds:,.0f} tickets/s, {queries} queries")
    median = statistics.median(times)
    print(
        f"Generation: median {median:.2f} s for {args.plans:,} tickets = {args.plans / median:,.0f} tickets/s, "
        f"{queries} queries ({queries / args.plans:.3f} per ticket)"
    )
    single = args.single if args.single is not None else args.plans
    if single:
        seconds = one_by_one_timed(single)
        print(
            f"Side by side, ticket_create one by one: {single:,} tickets in {seconds:.2f} s = "
            f"{single / seconds:,.0f} tickets/s ({(single / seconds) and (args.plans / median) / (single / seconds):.1f}× slower)"
        )
    seconds = floor_timed(args.plans)
    print(
        f"Floor, a bare bulk INSERT of {args.plans:,} ticket rows: {seconds:.2f} s = {args.plans / seconds:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
