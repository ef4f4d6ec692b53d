"""Server time and SQL query count of the busiest pages on a large PostgreSQL dataset.

Run from the project root: ``.venv/bin/python bench/queue_pages.py [--tickets N] [--reseed]``.
It uses its own database (``BENCH_DATABASE_URL``), creates and migrates it when needed and
seeds it with the bulk demo generator only when it holds fewer tickets than asked for, so
reruns go straight to the measurements. Exits 1 when a page does not answer 200.
"""

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support.database import django_on_bench_database  # noqa: E402
from bench.support.machine import load  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench"
SEED_CHUNK = 20_000
# The dataset the "smaller data" query count is taken on, inside a rolled-back transaction.
SMALL_DATASET = 1_000


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tickets",
        type=int,
        default=int(os.environ.get("BENCH_TICKETS", "200000")),
        help="tickets the dataset must hold (default: env BENCH_TICKETS or 200000)",
    )
    parser.add_argument("--reseed", action="store_true", help="truncate tickets and seed again")
    parser.add_argument(
        "--analyze-only",
        action="store_true",
        help="refresh planner statistics without VACUUM, leaving the visibility map as it is",
    )
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "30")), help="timed requests")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests before each measurement")
    parser.add_argument(
        "--debug-off",
        action="store_true",
        help="time with DEBUG off (no query log), as in production; by default DEBUG is what settings say",
    )
    return parser.parse_args()


def dataset_ensure(*, tickets: int, reseed: bool, vacuum: bool) -> None:
    from django.db import connection

    from demo.data import demo_tickets_create, demo_users_ensure
    from tickets.models import Ticket

    if reseed:
        table = connection.ops.quote_name(Ticket._meta.db_table)
        with connection.cursor() as cursor:
            # CASCADE empties every table that points at tickets (comments, events, outbox).
            cursor.execute(f"TRUNCATE {table} RESTART IDENTITY CASCADE")
        print("Truncated tickets.")
    users = demo_users_ensure(password=os.environ.get("DEMO_PASSWORD", "helpdesk-demo"))
    existing = Ticket.objects.count()
    missing = tickets - existing
    if missing > 0:
        print(f"Seeding {missing:,} tickets ({existing:,} present)...", flush=True)
        started = time.perf_counter()
        added = 0
        while added < missing:
            size = min(SEED_CHUNK, missing - added)
            # A different seed per chunk, so a top-up does not repeat earlier tickets.
            demo_tickets_create(count=size, users=users, seed=2026 + existing + added)
            added += size
            print(f"  {existing + added:,} tickets ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        # VACUUM sets the visibility map, as autovacuum would on a production table by now;
        # without it every count over the partial indexes has to visit the heap.
        cursor.execute("VACUUM (ANALYZE)" if vacuum else "ANALYZE")


@dataclass
class Page:
    name: str
    username: str
    url: str


@dataclass
class Result:
    page: Page
    status: int
    median_ms: float = 0.0
    p90_ms: float = 0.0
    min_ms: float = 0.0
    queries: int = 0
    sql_ms: float = 0.0


def queue_url(**params) -> str:
    from django.urls import reverse
    from django.utils.http import urlencode

    return f"{reverse('tickets:queue')}?{urlencode({'level': 1, 'view': 'open', **params})}"


def pages_build(ticket_url: str) -> list[Page]:
    from django.urls import reverse

    return [
        Page("queue L1 open (priority)", "agent1", queue_url()),
        Page("queue L1 open -created", "agent1", queue_url(sort="-created")),
        Page("queue L1 unassigned", "agent1", queue_url(view="unassigned")),
        Page("queue L1 open priority=1", "agent1", queue_url(priority=1)),
        Page("queue L1 open page 2 x100", "agent1", queue_url(per_page=100, page=2)),
        Page("ticket page (L1, open)", "agent1", ticket_url),
        Page("dashboard", "supervisor", reverse("tickets:dashboard")),
    ]


def clients_build(usernames: set[str]) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    clients = {}
    for username in sorted(usernames):
        # "localhost" is in the development ALLOWED_HOSTS; the test client's "testserver" is not.
        client = Client(HTTP_HOST="localhost")
        client.force_login(get_user_model().objects.get(username=username))
        clients[username] = client
    return clients


def query_count(client, url: str) -> tuple[int, int, float]:
    """Status, number of SQL queries and their total time in ms, from one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    sql_ms = sum(float(query["time"]) for query in captured.captured_queries) * 1000
    return response.status_code, len(captured.captured_queries), sql_ms


def measure(client, page: Page, *, runs: int, warmup: int) -> Result:
    for _i in range(warmup):
        response = client.get(page.url)
        if response.status_code != 200:
            return Result(page, response.status_code)
    timings = []
    for _i in range(runs):
        started = time.perf_counter()
        response = client.get(page.url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            return Result(page, response.status_code)
    status, queries, sql_ms = query_count(client, page.url)
    p90 = statistics.quantiles(timings, n=10, method="inclusive")[8] if len(timings) > 1 else timings[0]
    return Result(page, status, statistics.median(timings), p90, min(timings), queries, sql_ms)


def queue_counts_by_page_size(client) -> dict[int, int]:
    from tickets.views import PAGE_SIZES

    counts = {}
    for size in PAGE_SIZES:
        status, counts[size], _sql_ms = query_count(client, queue_url(per_page=size))
        if status != 200:
            counts[size] = -status
    return counts


def queue_counts_on_small_dataset(client) -> tuple[int, dict[int, int]]:
    """Query counts with only the oldest tickets left, then everything rolled back.

    Foreign keys to tickets are deferred, so the bare DELETE is checked only at commit,
    which never comes."""
    from django.db import connection, transaction

    from tickets.models import Ticket

    table = connection.ops.quote_name(Ticket._meta.db_table)
    with transaction.atomic():
        keep_up_to = Ticket.objects.order_by("pk").values_list("pk", flat=True)[SMALL_DATASET - 1 : SMALL_DATASET]
        keep_up_to = next(iter(keep_up_to), None)
        if keep_up_to is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE id > %s", [keep_up_to])  # noqa: S608 (quoted model table)
        remaining = Ticket.objects.count()
        counts = {size: query_count(client, queue_url(per_page=size))[1] for size in (10, 100)}
        transaction.set_rollback(True)
    return remaining, counts


def ticket_for_page():
    from django.db.models import Exists, OuterRef

    from accounts.choices import Level
    from tickets.choices import OPEN_STATUSES
    from tickets.models import Comment, Ticket, TicketEvent

    return (
        Ticket.objects.filter(level=Level.I, status__in=OPEN_STATUSES)
        .filter(Exists(Comment.objects.filter(ticket=OuterRef("pk"))))
        .filter(Exists(TicketEvent.objects.filter(ticket=OuterRef("pk"))))
        .order_by("-created_at")
        .first()
    )


def main() -> int:
    args = arguments()
    django_on_bench_database("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)

    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings

    from accounts.choices import Level
    from tickets.choices import OPEN_STATUSES
    from tickets.models import Comment, Ticket, TicketEvent

    dataset_ensure(tickets=args.tickets, reseed=args.reseed, vacuum=not args.analyze_only)

    ticket = ticket_for_page()
    if ticket is None:
        print("No open Level I ticket with comments and events to open.", file=sys.stderr)
        return 1
    pages = pages_build(ticket.get_absolute_url())
    clients = clients_build({page.username for page in pages})

    total = Ticket.objects.count()
    open_level_one = Ticket.objects.filter(level=Level.I, status__in=OPEN_STATUSES).count()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    debug = False if args.debug_off else settings.DEBUG
    print()
    print(f"Database      {connection.settings_dict['NAME']} on PostgreSQL {server_version}")
    print(
        f"Dataset       {total:,} tickets, {Ticket.objects.filter(status__in=OPEN_STATUSES).count():,} open, "
        f"{open_level_one:,} open at Level I; {Comment.objects.count():,} comments, "
        f"{TicketEvent.objects.count():,} events"
    )
    print(f"Ticket page   {ticket.reference}")
    print(f"Timing        {args.warmup} warm-up + {args.runs} timed requests each, DEBUG={debug}")
    print(
        f"Statistics    {'ANALYZE' if args.analyze_only else 'VACUUM (ANALYZE)'}; CPUs: {os.cpu_count()}, load: {load()}"
    )
    print()

    with override_settings(DEBUG=debug):
        results = [measure(clients[page.username], page, runs=args.runs, warmup=args.warmup) for page in pages]
    by_page_size = queue_counts_by_page_size(clients["agent1"])
    small_total, small_counts = queue_counts_on_small_dataset(clients["agent1"])

    name_width = max(len(page.name) for page in pages)
    header = (
        f"{'page':<{name_width}}  {'status':>6}  {'median ms':>9}  {'p90 ms':>8}  {'min ms':>8}  "
        f"{'queries':>7}  {'sql ms':>7}  url"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        print(
            f"{result.page.name:<{name_width}}  {result.status:>6}  {result.median_ms:>9.1f}  "
            f"{result.p90_ms:>8.1f}  {result.min_ms:>8.1f}  {result.queries:>7}  {result.sql_ms:>7.1f}  "
            f"{result.page.url}"
        )
    print("(queries and sql ms come from one extra, untimed request per page)")
    print()
    print("Queue page queries by page size: " + ", ".join(f"{n}/page: {q}" for n, q in by_page_size.items()))
    print(
        f"Queue page queries by data size:  {total:,} tickets: {by_page_size.get(10)} (10/page), "
        f"{by_page_size.get(100)} (100/page); {small_total:,} tickets: {small_counts[10]} (10/page), "
        f"{small_counts[100]} (100/page)"
    )
    constant = len(set(by_page_size.values())) == 1 and set(small_counts.values()) <= set(by_page_size.values())
    print("Query count is constant in page size and data size." if constant else "Query count is NOT constant!")

    failed = [result for result in results if result.status != 200]
    for result in failed:
        print(f"FAILED: {result.page.name} answered {result.status} ({result.page.url})", file=sys.stderr)
    return 1 if failed or not constant else 0


if __name__ == "__main__":
    sys.exit(main())
