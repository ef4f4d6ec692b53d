"""How request and delivery throughput grow as web and worker processes are added, on one PostgreSQL and one Redis.

Run from the project root: ``.venv/bin/python bench/scale_out.py [--duration S] [--rounds N] [--web 1,2]
[--messages N] [--workers 1,2,4]``. It needs ``wrk`` and ``caddy`` on the PATH (``make system`` installs
both). It uses its own PostgreSQL database (``BENCH_SCALE_DATABASE_URL``, created and migrated when
needed, with the demo accounts) and Redis databases of its own as the Celery broker
(``BENCH_SCALE_BROKER_URL``) and the shared cache (``BENCH_SCALE_CACHE_URL``), both flushed afterwards.

Web. A web process is one gunicorn server as production runs it (gunicorn.conf.py: a gthread
worker per CPU, threads each; DEBUG off, plain HTTP on 127.0.0.1, the throttles raised out of the
way but still counted, as bench/api.py sets it up). wrk creates tickets through
``POST /api/v1/tickets/`` as a requester with an API token, with the same load at each step:

- one web process, directly;
- one web process behind a local Caddy (a Caddyfile the bench writes: static upstreams, the
  ``least_conn`` policy of the production proxy);
- each further count of ``--web`` behind Caddy.

The load has as many connections as the largest step has threads (unless ``--connections``
says otherwise), so a single process also shows the wait of the clients it has no thread for.
Every process runs from the start and the rounds take the steps in turn, so a change in the
machine's load falls on all of them alike. Each round is checked against the tickets really
created. Per step: requests per second, p50 and p99 of the median round, and, over all its
rounds, the CPU time a request costs gunicorn, Caddy, the PostgreSQL backends serving the bench
database, wrk and Redis (read from /proc and Redis' INFO, as bench/api.py does; the backends every
quarter second, so one whose connection is closed mid-measurement keeps its share).

Workers. A worker process is ``celery -A helpdesk worker -Q notifications`` as docker-compose.yml
runs it: the prefork pool at Celery's default concurrency, a process per CPU (DEBUG off). Each
step drains ``--messages`` bulk-created email outbox rows, handed over as ``notification_enqueue``
does (a task per ``HELPDESK_NOTIFICATION_BATCH`` rows), through 1, 2, 4... workers to a fake SMTP
relay (tests/fakes, in a process of its own); the other workers' consumers are paused, and the
clock runs from resuming them until the queue and its unacknowledged tasks are gone (as
bench/notification_delivery.py times it). Per step: messages per second of the median round
and the CPU time a message costs the workers, the relay, Redis and PostgreSQL. Every row must
reach the relay once: its Message-ID received, none twice.

Where PostgreSQL binds. For each step it prints the share of the machine's cores PostgreSQL
used, and that of everything the bench measured and of the whole machine (others' work
included), and two ceilings: the throughput the cores could serve at the step's whole CPU cost
(bench/api.py's ceiling) and the one at which PostgreSQL alone would take every core (where it
binds once the web and worker processes run elsewhere). One line per section says whether adding
processes helped, and what limits it. On a machine others are busy on, more processes also take
a larger share of it from them; the line says so when they did. The CPU a request or a message
costs holds either way.

Tickets, outbox rows and the API tokens it created are deleted again. Exits 1 when a check fails:
a request answered with an error, tickets that do not match wrk's answers, a message not sent,
lost or received twice, or errors in a server's log.
"""

import argparse
import contextlib
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support.api_tickets import (  # noqa: E402
    bench_tickets_remove,
    broker_flush,
    tables_vacuum,
    tokens_create,
    tokens_remove,
)
from bench.support.database import django_on_bench_database  # noqa: E402
from bench.support.outbox import outbox_empty  # noqa: E402
from bench.support.scale_out_figures import APPLICATION_NAME, Backends  # noqa: E402
from bench.support.scale_out_web import caddy_path, web_report, web_section  # noqa: E402
from bench.support.scale_out_workers import workers_section  # noqa: E402
from bench.support.web_server import server_environment  # noqa: E402
from bench.support.wrk import wrk_path  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_scale"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/8"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/9"


def counts(text: str) -> list[int]:
    try:
        values = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {text!r}") from None
    if not values or values[0] < 1:
        raise argparse.ArgumentTypeError(f"counts must be 1 or more: {text!r}")
    return values


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of each web measurement (default 10)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of every step; figures are the median round's (default 3)"
    )
    parser.add_argument("--warmup", type=int, default=3, help="seconds of untimed load before each web step")
    parser.add_argument(
        "--web", type=counts, default=[1, 2], help="web processes behind Caddy, comma-separated (default 1,2)"
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=0,
        help="wrk connections at every web step (default: the threads of the largest step)",
    )
    parser.add_argument(
        "--messages", type=int, default=5000, help="email outbox rows each worker step drains (default 5000)"
    )
    parser.add_argument(
        "--workers", type=counts, default=[1, 2, 4], help="Celery worker processes, comma-separated (default 1,2,4)"
    )
    args = parser.parse_args()
    if min(args.duration, args.rounds, args.messages) < 1 or args.warmup < 0 or args.connections < 0:
        parser.error("--duration, --rounds and --messages must be at least 1, --warmup and --connections 0 or more")
    return args


def main() -> int:
    args = arguments()
    wrk_path()
    caddy_path()
    # A plain kill cleans up as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    broker_url = os.environ.get("BENCH_SCALE_BROKER_URL") or DEFAULT_BROKER_URL
    cache_url = os.environ.get("BENCH_SCALE_CACHE_URL") or DEFAULT_CACHE_URL
    var_dir = Path(tempfile.mkdtemp(prefix="helpdesk-bench-scale-"))
    database_url = os.environ.get("BENCH_SCALE_DATABASE_URL") or DEFAULT_DATABASE_URL
    environment = server_environment(database_url, broker_url, cache_url, str(var_dir))
    os.environ.update(environment)
    problems: list[str] = []
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, var_dir, ignore_errors=True)
        django_on_bench_database("BENCH_SCALE_DATABASE_URL", DEFAULT_DATABASE_URL)

        from django.db import connection

        from demo.data import demo_users_ensure
        from tickets.models import Ticket
        from tickets.services import tickets_erase

        # The bench's own connections carry its name from here on, in every thread (they all
        # read these settings), so the CPU meter leaves them out.
        connection.settings_dict.setdefault("OPTIONS", {})["application_name"] = APPLICATION_NAME
        connection.close()

        removed = bench_tickets_remove(after_id=0)
        if removed:
            print(f"Removed {removed:,} tickets left by an earlier run.")
        demo_users_ensure(password=os.environ.get("DEMO_PASSWORD", "helpdesk-demo"))
        tokens_remove()
        broker_flush(broker_url)
        broker_flush(cache_url)

        def afterwards() -> None:
            connection.close()  # a connection a failure left in a broken transaction
            removed = bench_tickets_remove(after_id=0)
            outbox_empty()
            # The one ticket the delivery steps' rows point at (outbox.ticket_ensure).
            tickets_erase(Ticket.objects.filter(requester__username="bench-requester"))
            tokens_remove()
            published = broker_flush(broker_url)
            broker_flush(cache_url)
            tables_vacuum()
            print(
                f"Afterwards: {removed:,} bench tickets (warm-ups and checks included) and the outbox rows deleted; "
                f"{published:,} Celery messages flushed from {broker_url}, the cache {cache_url} flushed; tables "
                "vacuumed."
            )

        cleanup.callback(afterwards)
        backends = Backends()
        backends.start()
        cleanup.callback(backends.close)
        keys = tokens_create()
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
        print()
        print(
            f"Database      {connection.settings_dict['NAME']} on PostgreSQL {server_version}; broker {broker_url}, "
            f"cache {cache_url}"
        )
        steps = web_section(
            args,
            keys=keys,
            environment=environment,
            broker_url=broker_url,
            backends=backends,
            var_dir=var_dir,
            problems=problems,
        )
        web_report(steps, problems)
        # The web steps' tickets queued notifications: none of them may reach the workers.
        broker_flush(broker_url)
        workers_section(
            args,
            database_url=database_url,
            broker_url=broker_url,
            backends=backends,
            var_dir=var_dir,
            problems=problems,
        )

    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("Interrupted: every process the bench started is stopped, its tickets and rows deleted.", file=sys.stderr)
        sys.exit(130)
