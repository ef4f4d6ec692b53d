"""Server time and SQL query count of the supervisor's reports page on a large PostgreSQL dataset.

Run from the project root: ``.venv/bin/python bench/reports.py [--tickets N] [--reseed] [--explain]``.
It uses its own database (``BENCH_REPORTS_DATABASE_URL``), creates and migrates it when needed
and seeds it with set-based SQL (INSERT … SELECT FROM generate_series) only when it does not
hold the dataset asked for, so reruns go straight to the measurements.

The dataset: two years of tickets up to the moment of seeding, as many every day, ids in
creation order (as a live helpdesk writes them). About one in twenty is still open (new, open
or pending): those still being worked on, and a stale backlog that thins out over the months;
the rest are resolved (closed three days later). Each ticket has a channel, a category (most of them
Level I ones; a few none), a priority, a requester among a thousand people, and an assignee
among 30 agents who are members of its level. First responses and resolutions are drawn
around each priority's targets, so most meet their due time and some miss it. The audit trail
holds a ``created`` event per ticket (to its starting level), ``escalated`` events for about
one ticket in five (I to II, some II to III), ``de_escalated`` ones for a few per cent and a
``resolved`` event per finished ticket; the ticket's level is where those events leave it.

Measured as a supervisor with DEBUG off, for the 30 days ending on the data's newest day (in
the supervisor's time zone): the reports page with a cold cache (cleared before each request)
and a warm one, the live partial and the streamed CSV of the period's tickets. Exits 1 when a
page does not answer 200 or its query count depends on the run or the length of the period.
"""

import argparse
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support.database import django_on_bench_database  # noqa: E402
from bench.support.machine import load  # noqa: E402
from bench.support.reports_dataset import DEFAULT_DATABASE_URL, dataset_ensure, dataset_read  # noqa: E402

TARGET_MS = 300.0
RANGE_DAYS = 30
# Other period lengths the cold page's query count is taken on: it must not change.
OTHER_RANGES = (7, 365)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tickets",
        type=int,
        default=int(os.environ.get("BENCH_TICKETS", "1000000")),
        help="tickets in the dataset (default: env BENCH_TICKETS or 1000000)",
    )
    parser.add_argument("--reseed", action="store_true", help="truncate tickets and seed again")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "15")), help="timed requests")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests before each measurement")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print EXPLAIN (ANALYZE, BUFFERS) of the cold page's slowest queries",
    )
    parser.add_argument(
        "--explain-over-ms", type=float, default=10.0, help="with --explain: queries whose median is over this"
    )
    args = parser.parse_args()
    if args.tickets < 1000:
        parser.error("--tickets must be at least 1000")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


@dataclass
class Query:
    label: str
    sql: str
    params: object
    ms: float


@dataclass
class QueryLog:
    """Every SQL statement sent while recording, with where it came from and its round trip."""

    recording: bool = False
    queries: list[Query] = field(default_factory=list)

    def __call__(self, execute, sql, params, many, context):
        if not self.recording:
            return execute(sql, params, many, context)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(Query(query_label(sql), sql, params, (time.perf_counter() - started) * 1000))

    def take(self) -> list[Query]:
        """The queries recorded since the last take; sorted, since sections of the page run
        on several connections at once and finish in any order."""
        queries, self.queries = self.queries, []
        return sorted(queries, key=lambda query: (query.label, query.sql))


FROM_TABLE = re.compile(r'\bFROM\s+"?(\w+)"?', re.IGNORECASE)


def query_label(sql: str) -> str:
    """The project function that sent the query (a selector, a view; a helper such as
    ``_percentiles`` with its caller), else the table it reads."""
    own = str(ROOT)
    found: list[tuple[str, str]] = []
    frame = sys._getframe(2)
    while frame is not None and len(found) < 2:
        filename = frame.f_code.co_filename
        if filename.startswith(own) and "/.venv/" not in filename and "/bench/" not in filename:
            module = Path(filename).relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
            found.append((module, frame.f_code.co_name))
        frame = frame.f_back
    if not found:
        match = FROM_TABLE.search(sql)
        return f"({match.group(1)})" if match else sql.split()[0]
    module, function = found[0]
    if function.startswith(("_", "<")) and len(found) > 1 and found[1][0] == module:
        return f"{module}.{found[1][1]} > {function}"
    return f"{module}.{function}"


def percentile_90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8] if len(values) > 1 else values[0]


@dataclass
class Measured:
    name: str
    url: str
    status: int = 0
    timings: list[float] = field(default_factory=list)
    query_counts: set[int] = field(default_factory=set)
    rows: int | None = None
    # Per position in the page's queries: the label and the round trip of each run.
    per_query: list[tuple[str, list[float]]] = field(default_factory=list)
    statements: list[Query] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.timings) if self.timings else 0.0


def request(client, url: str) -> tuple[int, int | None]:
    """Status, and for a streamed response the number of CSV rows read to its end (header excluded)."""
    response = client.get(url)
    if not getattr(response, "streaming", False):
        return response.status_code, None
    lines = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
    response.close()
    return response.status_code, lines - 1


def measure(
    client,
    log: QueryLog,
    name: str,
    url: str,
    *,
    runs: int,
    warmup: int,
    before: Callable[[], None] | None = None,
) -> Measured:
    result = Measured(name, url)
    for _i in range(warmup):
        if before:
            before()
        result.status, _rows = request(client, url)
        if result.status != 200:
            return result
    for _i in range(runs):
        if before:
            before()
        log.recording = True
        started = time.perf_counter()
        result.status, result.rows = request(client, url)
        result.timings.append((time.perf_counter() - started) * 1000)
        log.recording = False
        queries = log.take()
        result.query_counts.add(len(queries))
        if result.status != 200:
            return result
        if not result.per_query:
            result.per_query = [(query.label, []) for query in queries]
            result.statements = queries
        if len(queries) == len(result.per_query):
            for (_label, timings), query in zip(result.per_query, queries, strict=True):
                timings.append(query.ms)
    return result


def report_url(start: date, end: date, path: str = "reports:index", **kwargs) -> str:
    from django.urls import reverse
    from django.utils.http import urlencode

    query = urlencode({"preset": "custom", "start": start.isoformat(), "end": end.isoformat()})
    return f"{reverse(path, **kwargs)}?{query}"


def cold_query_count(client, log: QueryLog, start: date, end: date) -> tuple[int, int]:
    from django.core.cache import cache

    cache.clear()
    log.recording = True
    status, _rows = request(client, report_url(start, end))
    log.recording = False
    return status, len(log.take())


def statement_text(query: Query) -> str:
    from django.db import connection

    return connection.ops.compose_sql(query.sql, query.params)


def explained(queries: list[tuple[str, float, Query]]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the given queries, each with its bound parameters."""
    from django.db import connection

    for label, median_ms, query in queries:
        text = statement_text(query)
        print(f"-- {label}: {median_ms:.1f} ms median in the page")
        print(text if len(text) <= 2000 else text[:2000] + " …")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, SETTINGS) {query.sql}", query.params)
            for (line,) in cursor.fetchall():
                print(line)
        print()


def settings_line() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        values = []
        for name in ("server_version", "shared_buffers", "work_mem", "jit", "max_parallel_workers_per_gather"):
            cursor.execute(f"SHOW {name}")
            values.append(f"{name} {cursor.fetchone()[0]}")
    return ", ".join(values)


def main() -> int:
    args = arguments()
    django_on_bench_database("BENCH_REPORTS_DATABASE_URL", DEFAULT_DATABASE_URL)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.db.backends.signals import connection_created
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    seeding_seconds = dataset_ensure(tickets=args.tickets, reseed=args.reseed)
    dataset = dataset_read()
    supervisor = get_user_model().objects.get(username="supervisor")
    zone = supervisor.time_zone
    end = timezone.localtime(dataset.newest, timezone=ZoneInfo(zone)).date()
    start = end - timedelta(days=RANGE_DAYS - 1)
    # "localhost" is in the development ALLOWED_HOSTS; the test client's "testserver" is not.
    client = Client(HTTP_HOST="localhost")
    client.force_login(supervisor)
    page_url = report_url(start, end)
    live_url = report_url(start, end, "reports:live")
    export_url = report_url(start, end, "reports:export", kwargs={"name": "tickets"})

    events = ", ".join(f"{count:,} {kind}" for kind, count in sorted(dataset.events.items()))
    print()
    print(f"Database      {connection.settings_dict['NAME']}: {settings_line()}")
    print(
        f"Dataset       {dataset.tickets:,} tickets created {dataset.oldest:%Y-%m-%d} to {dataset.newest:%Y-%m-%d}, "
        f"{dataset.open:,} open; {dataset.agents} agents, {dataset.requesters:,} requesters; events: {events}"
    )
    print(
        "Seeding       "
        + (
            f"{seeding_seconds:.0f} s (set-based SQL: tickets, then their events; then VACUUM (ANALYZE))"
            if seeding_seconds
            else "data present, skipped (--reseed to rebuild)"
        )
    )
    print(f"Period        {start} to {end} ({RANGE_DAYS} days in {zone}), as supervisor")
    print(
        f"Timing        {args.warmup} warm-up + {args.runs} timed requests each, DEBUG=False, "
        f"cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; CPUs: {os.cpu_count()}, load: {load()}"
    )
    print()

    log = QueryLog()
    opened: list[str] = []

    def count_new_connections(sender, connection, **kwargs) -> None:
        opened.append(connection.alias)

    connection_created.connect(count_new_connections)
    with override_settings(DEBUG=False), connection.execute_wrapper(log):
        cold = measure(
            client, log, "reports page, cold cache", page_url, runs=args.runs, warmup=args.warmup, before=cache.clear
        )
        cache.clear()
        warm = measure(client, log, "reports page, warm cache", page_url, runs=args.runs, warmup=max(1, args.warmup))
        live = measure(client, log, "live partial", live_url, runs=args.runs, warmup=args.warmup)
        export = measure(client, log, "tickets CSV (whole stream)", export_url, runs=args.runs, warmup=1)
        other_counts = {
            days: cold_query_count(client, log, end - timedelta(days=days - 1), end) for days in OTHER_RANGES
        }
    results = [cold, warm, live, export]

    header = f"{'page':<28}  {'status':>6}  {'median ms':>9}  {'p90 ms':>8}  {'min ms':>8}  {'queries':>7}  {'rows':>7}"
    print(header)
    print("-" * len(header))
    for result in results:
        timings = result.timings or [0.0]
        counts = "/".join(str(count) for count in sorted(result.query_counts)) or "-"
        rows = f"{result.rows:,}" if result.rows is not None else ""
        print(
            f"{result.name:<28}  {result.status:>6}  {statistics.median(timings):>9.1f}  "
            f"{percentile_90(timings):>8.1f}  {min(timings):>8.1f}  {counts:>7}  {rows:>7}"
        )
    print(f"urls: {page_url}  {live_url}  {export_url}")
    print()

    cold_count = next(iter(cold.query_counts), None)
    constant = all(len(result.query_counts) == 1 for result in results) and all(
        status == 200 and count == cold_count for status, count in other_counts.values()
    )
    print(
        f"Cold page queries by period: {RANGE_DAYS} days: {cold_count}, "
        + ", ".join(f"{days} days: {count}" for days, (_status, count) in other_counts.items())
        + (" - constant." if constant else " - NOT constant!")
    )
    print()

    print(f"Cold page, query by query (round trip from Django to PostgreSQL, median of {args.runs} runs):")
    header = f"{'#':>3}  {'median ms':>9}  {'p90 ms':>8}  query from"
    print(header)
    print("-" * 72)
    rows_by_median = []
    for number, ((label, timings), statement) in enumerate(zip(cold.per_query, cold.statements, strict=True), 1):
        median_ms = statistics.median(timings)
        rows_by_median.append((label, median_ms, statement))
        print(f"{number:>3}  {median_ms:>9.1f}  {percentile_90(timings):>8.1f}  {label}")
    sql_total = sum(median for _label, median, _query in rows_by_median)
    print(
        f"SQL {sql_total:.0f} ms summed over the cold page ({cold.median:.0f} ms median), on the request's "
        f"one connection; connections opened while measuring: {len(opened)}."
    )
    by_function: dict[str, float] = defaultdict(float)
    for label, median_ms, _query in rows_by_median:
        by_function[label] += median_ms
    print(
        "By function: "
        + ", ".join(f"{label} {ms:.0f}" for label, ms in sorted(by_function.items(), key=lambda item: -item[1]))
    )
    print()

    verdict = "met" if cold.median < TARGET_MS else "MISSED"
    print(f"Target: cold reports page median under {TARGET_MS:.0f} ms: {verdict} ({cold.median:.0f} ms).")

    if args.explain:
        slow = [row for row in rows_by_median if row[1] >= args.explain_over_ms]
        slow.sort(key=lambda row: -row[1])
        print()
        print(f"EXPLAIN (ANALYZE, BUFFERS) of the cold page's queries over {args.explain_over_ms:.0f} ms:")
        print()
        explained(slow)

    failed = [result for result in results if result.status != 200]
    for result in failed:
        print(f"FAILED: {result.name} answered {result.status} ({result.url})", file=sys.stderr)
    return 1 if failed or not constant else 0


if __name__ == "__main__":
    sys.exit(main())
