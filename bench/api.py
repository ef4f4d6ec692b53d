"""Requests per second and latency of the REST API under gunicorn, on the 1,000,000-ticket dataset.

Run from the project root: ``.venv/bin/python bench/api.py [--duration S] [--rounds N] [--workers N]
[--threads N] [--profile]``. It needs ``wrk`` on the PATH (``make system`` installs it) and reuses the dataset of
``bench/reports.py`` (``BENCH_REPORTS_DATABASE_URL``), seeding it only when it is not there.

gunicorn serves the helpdesk with production settings (gunicorn.conf.py; DEBUG off, plain HTTP on
127.0.0.1, the throttles raised out of the way but still counted) and Redis databases of its own as the Celery
broker (``BENCH_API_BROKER_URL``; no worker runs, so notifications stay in the outbox) and, as
in docker-compose.yml, as the shared cache the throttles count requests in
(``BENCH_API_CACHE_URL``), both flushed afterwards. By default it runs 2 gthread workers of 4
threads: one process per core, since the GIL lets a process use only one, and threads to keep
each core busy while a request waits on PostgreSQL or Redis; threads also keep connections
alive, which sync workers do not. Each worker holds a bounded number of connections
(gunicorn.conf.py says how many, and why). wrk then drives, each after a short warm-up:

- ``POST /api/v1/tickets/`` as a requester with an API token, with one connection per server
  thread, in several rounds: requests per second (the target: 300, judged on the median round:
  a shared machine's speed varies from minute to minute) and latency, each round checked
  against the tickets that really were created;
- ``GET /api/v1/tickets/`` as a supervisor: the first page, a filtered first page and the second
  cursor page, with one connection (the latency target, p50 under 30 ms, is for a request served
  alone) and with one per server thread (every thread busy: latency is then mostly queueing);
- ``GET /api/v1/me/`` as the requester, with one connection per server thread: the smallest
  authenticated request (the token check and the person's role), so the create figure can be
  read against what this machine serves at all.

Each run also measures the CPU time gunicorn, the PostgreSQL backends serving it, wrk and Redis
spent per request, and from it the ceiling: the requests per second this machine's cores could
serve at that cost. On a shared machine that says what a request costs where req/s cannot.

Tickets, events, outbox rows and SLA clocks the run created are deleted again, the ticket id
sequence is set back and the touched tables are vacuumed, so the dataset stays the one
``bench/reports.py`` expects. ``--profile`` then times each kind of request in-process with
DEBUG off: CPU of Python and of PostgreSQL, wall time of each phase (token lookup, service,
SLA, outbox, commit, Celery publish, page query, serialisation) and the SQL of one request.
Exits 1 when a request fails or a figure cannot be trusted; a missed target is reported, as in
the other benches, without failing ``make bench``.
"""

import argparse
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support import reports_dataset  # noqa: E402
from bench.support.api_profile import Profile, profile_print, profiles_run  # noqa: E402
from bench.support.api_tickets import (  # noqa: E402
    SUBJECT,
    bench_tickets_remove,
    broker_flush,
    filtered,
    tables_vacuum,
    ticket_body,
    tickets_settled,
    tokens_create,
    tokens_remove,
)
from bench.support.database import django_on_bench_database  # noqa: E402
from bench.support.machine import CpuMeter, load  # noqa: E402
from bench.support.web_server import free_port, http, server_environment, server_start, server_stop, server_wait  # noqa: E402
from bench.support.wrk import Load, Round, lua_script, wrk, wrk_path  # noqa: E402

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/10"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/11"
CREATE_TARGET_RPS = 300.0
# The smallest authenticated request: what the server, the token check and the role cost.
FLOOR_PATH = "/api/v1/me/"
FLOOR_NAME = "GET /api/v1/me/"
CREATE_NAME = "create"
LIST_TARGET_P50_MS = 30.0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tickets",
        type=int,
        default=int(os.environ.get("BENCH_TICKETS", "1000000")),
        help="tickets in the reports dataset (default: env BENCH_TICKETS or 1000000)",
    )
    parser.add_argument("--duration", type=int, default=25, help="seconds of each create measurement (default 25)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="create measurements; the verdict is on the median (default 3)"
    )
    parser.add_argument("--list-duration", type=int, default=10, help="seconds of each list measurement (default 10)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of untimed load before each measurement")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per worker (default 4: gthread; 1: sync workers)"
    )
    parser.add_argument(
        "--connections", type=int, default=0, help="wrk connections under load (default: workers x threads)"
    )
    parser.add_argument("--port", type=int, default=0, help="port for gunicorn (default: a free one)")
    parser.add_argument(
        "--profile", action="store_true", help="also time each phase of each kind of request, in-process"
    )
    parser.add_argument("--profile-runs", type=int, default=200, help="requests of each kind for --profile")
    args = parser.parse_args()
    if min(args.duration, args.list_duration, args.rounds, args.workers, args.threads) < 1:
        parser.error("durations, --rounds, --workers and --threads must be at least 1")
    return args


@dataclass
class Row:
    name: str
    figure: str
    target: str
    verdict: str


def verdict(met: bool) -> str:
    return "PASS" if met else "MISSED"


def main() -> int:
    args = arguments()
    wrk_path()
    broker_url = os.environ.get("BENCH_API_BROKER_URL") or DEFAULT_BROKER_URL
    cache_url = os.environ.get("BENCH_API_CACHE_URL") or DEFAULT_CACHE_URL
    var_dir = tempfile.mkdtemp(prefix="helpdesk-bench-api-")
    database_url = os.environ.get("BENCH_REPORTS_DATABASE_URL") or reports_dataset.DEFAULT_DATABASE_URL
    environment = server_environment(database_url, broker_url, cache_url, var_dir)
    # This process uses the server's settings too, for the in-process profile.
    os.environ.update(environment)
    django_on_bench_database("BENCH_REPORTS_DATABASE_URL", reports_dataset.DEFAULT_DATABASE_URL)

    from django.db import connection

    from notifications.models import Notification
    from tickets.models import Ticket

    removed = bench_tickets_remove(after_id=args.tickets)
    if removed:
        print(f"Removed {removed:,} tickets left by an earlier run.")
    reports_dataset.dataset_ensure(tickets=args.tickets, reseed=False)
    tokens_remove()
    keys = tokens_create()
    broker_flush(broker_url)
    broker_flush(cache_url)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]

    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    list_path = "/api/v1/tickets/"
    connections = args.connections or args.workers * args.threads
    log = Path(var_dir) / "gunicorn.log"
    server_class = f"gthread, {args.threads} threads each" if args.threads > 1 else "sync"
    print()
    print(f"Database      {connection.settings_dict['NAME']} on PostgreSQL {server_version}")
    print(f"Dataset       {Ticket.objects.count():,} tickets (bench/reports.py)")
    print(
        f"Server        gunicorn, {args.workers} workers ({server_class}), DEBUG=0, broker {broker_url}, cache {cache_url}"
    )
    print(
        f"Load          wrk, 1 thread; {args.warmup} s warm-up, then {args.rounds} x {args.duration} s (create) and "
        f"{args.list_duration} s (each list); CPUs: {os.cpu_count()}, load: {load()}"
    )
    print()

    results: list[Load] = []
    rounds: list[Round] = []
    profiles: list[Profile] = []
    problems: list[str] = []
    removed = 0
    process = server_start(port=port, workers=args.workers, threads=args.threads, environment=environment, log=log)
    meter = CpuMeter(process.pid, broker_url)
    try:
        server_wait(process, base, keys["supervisor"], log)
        second_page = answers_check(base, list_path, keys)
        with tempfile.TemporaryDirectory() as scripts:
            for name, url in (
                ("list", list_path),
                ("list ?status=open&level=1", filtered(list_path)),
                ("list 2nd page", second_page),
            ):
                script = lua_script(scripts, key=keys["supervisor"])
                wrk("warm-up", base + url, script, connections=connections, seconds=args.warmup, meter=meter)
                for count in sorted({1, connections}):
                    results.append(
                        wrk(name, base + url, script, connections=count, seconds=args.list_duration, meter=meter)
                    )

            # What this machine serves at all: the smallest authenticated request, under
            # the same load as the create run. Read the create figure against it.
            script = lua_script(scripts, key=keys["requester"])
            wrk("warm-up", base + FLOOR_PATH, script, connections=connections, seconds=args.warmup, meter=meter)
            results.append(
                wrk(
                    FLOOR_NAME,
                    base + FLOOR_PATH,
                    script,
                    connections=connections,
                    seconds=args.list_duration,
                    meter=meter,
                )
            )

            script = lua_script(scripts, key=keys["requester"], method="POST", body=ticket_body())
            wrk("warm-up", base + list_path, script, connections=connections, seconds=args.warmup, meter=meter)
            for _round in range(args.rounds):
                before = tickets_settled(args.tickets)
                creating = wrk(
                    CREATE_NAME, base + list_path, script, connections=connections, seconds=args.duration, meter=meter
                )
                after = tickets_settled(before)
                rounds.append(
                    Round(
                        creating,
                        created=Ticket.objects.filter(pk__gt=before, pk__lte=after, subject=SUBJECT).count(),
                        outbox=Notification.objects.filter(ticket_id__gt=before, ticket_id__lte=after).count(),
                    )
                )
                results.append(creating)
        server_stop(process)
        if args.profile:
            # On the dataset as it was: thousands of new tickets in front of the filtered
            # page's index would make it skip them all.
            removed += bench_tickets_remove(after_id=args.tickets)
            tables_vacuum()
            profiles = profiles_run(list_path, keys, second_page, runs=args.profile_runs)
    finally:
        meter.close()
        server_stop(process)
        server_log = log.read_text() if log.exists() else ""
        removed += bench_tickets_remove(after_id=args.tickets)
        tokens_remove()
        published = broker_flush(broker_url)
        broker_flush(cache_url)
        tables_vacuum()
        shutil.rmtree(var_dir, ignore_errors=True)

    loads_print(results)
    for result in results:
        if result.failed:
            problems.append(f"{result.name} with {result.connections} connections: errors {result.errors}")
    for number, measured in enumerate(rounds, 1):
        print(
            f"Tickets created by timed round {number}: {measured.created:,} for {measured.load.requests:,} answers "
            f"counted by wrk ({'consistent' if measured.real else 'INCONSISTENT'}), with {measured.outbox:,} "
            "outbox rows."
        )
    print(
        f"Afterwards: {published:,} Celery messages flushed from {broker_url}; {removed:,} bench tickets "
        f"(warm-ups and checks included) deleted again; tables vacuumed."
    )
    print()
    for measured in rounds:
        if not measured.real:
            problems.append(f"{measured.created} tickets created for {measured.load.requests} answers")
    if "Traceback" in server_log or " ERROR " in server_log:
        problems.append("gunicorn logged errors:\n" + server_log[-3000:])

    rows = verdicts(results, rounds)
    rows_print(rows)
    if profiles:
        print("In-process profile (DEBUG off, the server's settings; phases are wall time, nested ones indented):")
        print()
        for profile in profiles:
            profile_print(profile)

    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


def answers_check(base: str, list_path: str, keys: dict[str, str]) -> str:
    """Check each request the bench sends answers as it should; the second page's path."""
    status, first = http("GET", base + list_path, keys["supervisor"])
    if status != 200 or not first.get("next"):
        raise SystemExit(f"GET {list_path} answered {status}: {str(first)[:300]}")
    second_page = first["next"].removeprefix(base)
    status, body = http("POST", base + list_path, keys["requester"], ticket_body())
    if status != 201:
        raise SystemExit(f"POST {list_path} answered {status}: {str(body)[:300]}")
    for url in (filtered(list_path), second_page):
        status, body = http("GET", base + url, keys["supervisor"])
        if status != 200 or not body.get("results"):
            raise SystemExit(f"GET {url} answered {status} with {len(body.get('results') or [])} tickets")
    return second_page


def loads_print(results: list[Load]) -> None:
    header = (
        f"{'measurement':<26} {'conns':>5} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'errors':>6}  {'CPU ms/request: gunicorn':>24} {'pg':>5} {'wrk':>5} {'redis':>5} "
        f"{'all':>5} {'ceiling':>8}  load average"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        print(
            f"{result.name:<26} {result.connections:>5} {result.rate:>7.1f} {result.p50_ms:>7.1f} "
            f"{result.p90_ms:>7.1f} {result.p99_ms:>7.1f} {result.max_ms:>7.1f} {result.failed:>6}  "
            f"{result.cpu_ms('server'):>24.2f} {result.cpu_ms('database'):>5.2f} {result.cpu_ms('client'):>5.2f} "
            f"{result.cpu_ms('broker'):>5.2f} {result.cpu_ms():>5.2f} {result.ceiling:>8.0f}  {result.load_average}"
        )
    print(
        f"(CPU ms/request: CPU time of gunicorn, of the PostgreSQL backends serving it, of wrk and of Redis over "
        f"the run, per request answered; ceiling: the req/s {os.cpu_count()} cores could give at that cost, "
        "with nothing else running.)"
    )
    print()


def verdicts(results: list[Load], rounds: list["Round"]) -> list[Row]:
    # The median round by requests per second (the lower of the middle two for an even count).
    creating = sorted((measured.load for measured in rounds), key=lambda load: load.rate)[(len(rounds) - 1) // 2]
    sound = all(measured.real and not measured.load.failed for measured in rounds)
    every = ", ".join(f"{measured.load.rate:.0f}" for measured in rounds)
    rows = [
        Row(
            f"create ({creating.connections} conns)",
            f"median {creating.rate:.0f} req/s of rounds {every} (its ceiling {creating.ceiling:.0f}), "
            f"p50 {creating.p50_ms:.0f} ms, p99 {creating.p99_ms:.0f} ms",
            f">= {CREATE_TARGET_RPS:.0f} req/s",
            verdict(creating.rate >= CREATE_TARGET_RPS and sound),
        )
    ]
    for result in results:
        if result.name == CREATE_NAME:
            continue
        if result.name == FLOOR_NAME:
            rows.append(
                Row(
                    f"{result.name} ({result.connections} conns)",
                    f"{result.rate:.0f} req/s (ceiling {result.ceiling:.0f}); create gets "
                    f"{creating.rate / result.rate:.0%} of it"
                    if result.rate
                    else "no answers",
                    "(machine floor)",
                    "info",
                )
            )
            continue
        alone = result.connections == 1
        rows.append(
            Row(
                f"{result.name} ({result.connections} conn{'' if alone else 's'})",
                f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, {result.rate:.0f} req/s",
                f"p50 < {LIST_TARGET_P50_MS:.0f} ms" if alone else "(saturated)",
                verdict(result.p50_ms < LIST_TARGET_P50_MS and not result.failed) if alone else "info",
            )
        )
    return rows


def rows_print(rows: list[Row]) -> None:
    width = max(len(row.name) for row in rows)
    figure_width = max(len(row.figure) for row in rows)
    print(f"{'target':<{width}}  {'measured':<{figure_width}}  {'wanted':<16}  verdict")
    print("-" * (width + figure_width + 34))
    for row in rows:
        print(f"{row.name:<{width}}  {row.figure:<{figure_width}}  {row.target:<16}  {row.verdict}")
    print()


if __name__ == "__main__":
    sys.exit(main())
