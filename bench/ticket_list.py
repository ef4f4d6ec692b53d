"""Server time and SQL query count of the ticket list (every status) on a large PostgreSQL
dataset, side by side with the open queue page measured in the same run.

Run from the project root: ``.venv/bin/python bench/ticket_list.py [--tickets N] [--reseed]``.
It uses its own database (``BENCH_LIST_DATABASE_URL``), creates and migrates it when
needed and seeds it with set-based SQL (bench/support/reports_dataset.py: two years of
tickets of every status with their events) only when it does not hold the dataset asked
for, so reruns go straight to the measurements. It prints the plan of
each list query that reads the tickets table sequentially. Exits 1 when a page does not
answer 200 or the list's query count grows with the data.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.queue_pages import Page, clients_build, measure, query_count, queue_url  # noqa: E402
from bench.support.database import django_on_bench_database  # noqa: E402
from bench.support.machine import load  # noqa: E402
from bench.support.reports_dataset import dataset_ensure  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_list"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tickets",
        type=int,
        default=int(os.environ.get("BENCH_TICKETS", "1000000")),
        help="tickets the dataset must hold (default: env BENCH_TICKETS or 1000000)",
    )
    parser.add_argument("--reseed", action="store_true", help="truncate tickets and seed again")
    parser.add_argument("--seed-only", action="store_true", help="seed (and vacuum) the dataset, then stop")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "20")), help="timed requests")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests before each measurement")
    parser.add_argument("--debug-off", action="store_true", help="time with DEBUG off (no query log)")
    return parser.parse_args()


def list_url(**params) -> str:
    from django.urls import reverse
    from django.utils.http import urlencode

    return f"{reverse('tickets:list')}?{urlencode(params, doseq=True)}"


MONTH = {"created_after": "2026-11-01", "created_before": "2026-12-01"}


def pages_build() -> list[Page]:
    return [
        Page("queue L1 open (priority)", "agent1", queue_url()),
        Page("list, first page (agent L1)", "agent1", list_url()),
        Page("list, first page (supervisor)", "supervisor", list_url()),
        Page("list closed P2 -created", "supervisor", list_url(status="closed", priority=2, sort="-created")),
        Page("list created in a week", "supervisor", list_url(created_after="2026-01-01", created_before="2026-01-08")),
        Page("list assignee=me, done", "agent1", list_url(assignee="me", state="done")),
        Page("list search 'printer'", "supervisor", list_url(q="printer")),
        Page("list deep page (500 x25)", "supervisor", list_url(page=500)),
        Page("list sort -resolved", "supervisor", list_url(sort="-resolved")),
        # Drill-down links of the reports over a month: a funnel step, an SLA target.
        Page("list funnel started at I (month)", "supervisor", list_url(**MONTH, journey="started_1")),
        Page("list funnel escalated to III", "supervisor", list_url(**MONTH, journey="escalated_3")),
        Page("list resolution missed (month)", "supervisor", list_url(**MONTH, target="resolution_missed")),
    ]


def sequential_scans(client, page: Page) -> list[str]:
    """The list queries of a page whose plan reads the tickets table sequentially."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tickets.models import Ticket

    table = Ticket._meta.db_table
    with CaptureQueriesContext(connection) as captured:
        client.get(page.url)
    found = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if f'FROM "{table}"' not in sql or not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            if f"Seq Scan on {table}" in plan:
                found.append(sql[:160])
    return found


def main() -> int:
    args = arguments()
    # Supervisors would be sent to set up a second factor first; the bench signs them in as is.
    os.environ.setdefault("HELPDESK_2FA_REQUIRED_ROLES", "none")
    django_on_bench_database("BENCH_LIST_DATABASE_URL", DEFAULT_DATABASE_URL)

    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings

    from tickets.choices import OPEN_STATUSES
    from tickets.models import Ticket

    dataset_ensure(tickets=args.tickets, reseed=args.reseed)
    if args.seed_only:
        return 0
    pages = pages_build()
    clients = clients_build({page.username for page in pages})
    total = Ticket.objects.count()
    debug = False if args.debug_off else settings.DEBUG
    print()
    print(f"Database      {connection.settings_dict['NAME']}")
    print(f"Dataset       {total:,} tickets, {Ticket.objects.filter(status__in=OPEN_STATUSES).count():,} open")
    print(f"Timing        {args.warmup} warm-up + {args.runs} timed requests each, DEBUG={debug}")
    print(f"Machine       CPUs: {os.cpu_count()}, load: {load()}")
    print()
    with override_settings(DEBUG=debug):
        results = [measure(clients[page.username], page, runs=args.runs, warmup=args.warmup) for page in pages]
    width = max(len(page.name) for page in pages)
    header = f"{'page':<{width}}  {'status':>6}  {'median ms':>9}  {'p90 ms':>8}  {'queries':>7}  {'sql ms':>7}"
    print(header)
    print("-" * len(header))
    for result in results:
        print(
            f"{result.page.name:<{width}}  {result.status:>6}  {result.median_ms:>9.1f}  {result.p90_ms:>8.1f}"
            f"  {result.queries:>7}  {result.sql_ms:>7.1f}"
        )
    print("(queries and sql ms come from one extra, untimed request per page)")
    print()
    with override_settings(DEBUG=True):
        for page in pages[1:]:
            for sql in sequential_scans(clients[page.username], page):
                print(f"Sequential scan on tickets in {page.name}: {sql}")
    counts = {size: query_count(clients["supervisor"], list_url(per_page=size))[1] for size in (10, 100)}
    print("List page queries by page size: " + ", ".join(f"{n}/page: {q}" for n, q in counts.items()))
    failed = [result for result in results if result.status != 200]
    for result in failed:
        print(f"FAILED: {result.page.name} answered {result.status} ({result.page.url})", file=sys.stderr)
    return 1 if failed or len(set(counts.values())) != 1 else 0


if __name__ == "__main__":
    sys.exit(main())
