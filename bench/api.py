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
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from queue_pages import django_on_bench_database, load  # noqa: E402  (bench/ is on sys.path)


def reports_bench():
    """bench/reports.py, whose dataset this bench reuses (by file: ``reports`` is the app)."""
    name = "bench_reports"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "reports.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/10"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/11"
CREATE_TARGET_RPS = 300.0
# The smallest authenticated request: what the server, the token check and the role cost.
FLOOR_PATH = "/api/v1/me/"
FLOOR_NAME = "GET /api/v1/me/"
CREATE_NAME = "create"
LIST_TARGET_P50_MS = 30.0
# Bench tickets carry this subject, so a run that was killed half-way is cleaned up by the next.
SUBJECT = "API bench: cannot print to the second floor printer"
TOKEN_NAME = "bench/api.py"
# Production settings, but plain HTTP on the loopback address and throttles that never bite
# (a per-second window keeps DRF's per-user request history short).
SERVER_ENVIRONMENT = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_HSTS_SECONDS": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "HELPDESK_API_USER_RATE": "1000000/second",
    "HELPDESK_API_ANON_RATE": "1000000/second",
    "LOG_LEVEL": "WARNING",
}
# wrk calls done() once at the end with the merged statistics; latencies are in microseconds.
WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, '
    .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "mean_us": %.1f}\\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
"""


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


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: run `make system` (or `apt-get install wrk`) and try again.")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the dataset and the accounts ----------------------------------------------------


def bench_tickets_remove(*, after_id: int) -> int:
    """Delete the tickets this bench created (ids past the dataset, with the bench's subject)
    and everything that points at them; set the id sequence back. Tickets deleted."""
    from django.db import connection, transaction

    from tickets.models import Ticket

    with transaction.atomic():
        _total, by_model = Ticket.objects.filter(pk__gt=after_id, subject=SUBJECT).delete()
        last = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with connection.cursor() as cursor:
            # On an empty table the next id is 1 (setval's "is_called" false).
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
                [Ticket._meta.db_table, max(last, 1), last > 0],
            )
    return by_model.get(Ticket._meta.label, 0)


def tables_vacuum() -> None:
    """VACUUM (ANALYZE) the tables a ticket creation writes, as autovacuum would (it is off on
    the bench machine): the reports bench reads them with index-only scans."""
    from django.db import connection

    from notifications.models import Notification
    from sla.models import SlaClock
    from tickets.models import Ticket, TicketEvent

    with connection.cursor() as cursor:
        for model in (Ticket, TicketEvent, Notification, SlaClock):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


def tokens_create() -> dict[str, str]:
    """A fresh API token for the demo requester and for the supervisor; their keys by role."""
    from django.contrib.auth import get_user_model

    from accounts.services import api_token_create

    User = get_user_model()
    keys = {}
    for role in ("requester", "supervisor"):
        _token, keys[role] = api_token_create(user=User.objects.get(username=role), name=TOKEN_NAME)
    return keys


def tokens_remove() -> None:
    from accounts.models import ApiToken

    ApiToken.objects.filter(name=TOKEN_NAME).delete()


def broker_flush(url: str) -> int:
    """Empty the bench's own Redis database; the number of messages its queues held."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        messages = sum(client.llen(key) for key in client.scan_iter() if client.type(key) == b"list")
        client.flushdb()
        return messages
    finally:
        client.close()


def tickets_settled(after_id: int) -> int:
    """The newest ticket id once no request still in flight adds one; waits up to 10 s."""
    from tickets.models import Ticket

    newest = None
    for _i in range(20):
        latest = Ticket.objects.filter(pk__gt=after_id).order_by("-pk").values_list("pk", flat=True).first()
        if latest == newest:
            break
        newest = latest
        time.sleep(0.5)
    return newest or after_id


# --- the server ----------------------------------------------------------------------


def server_environment(database_url: str, broker_url: str, cache_url: str, var_dir: str) -> dict[str, str]:
    return {
        **SERVER_ENVIRONMENT,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "HELPDESK_CACHE_URL": cache_url,
        "HELPDESK_VAR_DIR": var_dir,
    }


def server_start(*, port: int, workers: int, threads: int, environment: dict[str, str], log: Path):
    # gunicorn.conf.py, as in production, with its knobs set to the workers and threads asked for.
    command = [sys.executable, "-m", "gunicorn", "helpdesk.wsgi", "--config", str(ROOT / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    if threads == 1:
        command += ["--worker-class", "sync"]
    knobs = {"WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": str(threads)}
    with log.open("w") as output:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **environment, **knobs},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def server_stop(process) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def http(method: str, url: str, key: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (our loopback server)
    request.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own loopback server)
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {"error": error.read()[:500].decode(errors="replace")}


def server_wait(process, base: str, key: str, log: Path, *, name: str = "gunicorn") -> None:
    """Wait until ``process`` (gunicorn, or a proxy in front of it) serves the API at ``base``."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            status, _body = http("GET", f"{base}/api/v1/categories/", key)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{name} did not answer within 60 s:\n{log.read_text()[-3000:]}")


# --- CPU accounting ------------------------------------------------------------------


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                children.append(int(entry.name))
    return children


@dataclass
class Cpu:
    """CPU seconds used by each part of the set-up during one measurement."""

    server: float = 0.0
    database: float = 0.0
    client: float = 0.0
    broker: float = 0.0

    @property
    def total(self) -> float:
        return self.server + self.database + self.client + self.broker


class CpuMeter:
    """CPU time of the gunicorn processes, of the PostgreSQL backends serving the bench
    database, of wrk and of Redis. On a shared machine this stays meaningful where
    requests per second do not: it says what one request costs, whoever else is busy."""

    def __init__(self, server_pid: int, broker_url: str):
        import redis

        self.server_pid = server_pid
        self.redis = redis.Redis.from_url(broker_url)

    def _backends(self) -> list[int]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
            return [pid for (pid,) in cursor.fetchall()]

    def snapshot(self) -> dict:
        import resource

        server_pids = [self.server_pid, *child_pids(self.server_pid)]
        redis_cpu = self.redis.info("cpu")
        return {
            "server": {pid: process_cpu_seconds(pid) for pid in server_pids},
            "database": {pid: process_cpu_seconds(pid) for pid in self._backends()},
            "client": resource.getrusage(resource.RUSAGE_CHILDREN),
            "broker": redis_cpu["used_cpu_user"] + redis_cpu["used_cpu_sys"],
        }

    @staticmethod
    def used(before: dict, after: dict) -> Cpu:
        def grown(part: str) -> float:
            return sum(seconds - before[part].get(pid, 0.0) for pid, seconds in after[part].items())

        client = (after["client"].ru_utime + after["client"].ru_stime) - (
            before["client"].ru_utime + before["client"].ru_stime
        )
        return Cpu(grown("server"), grown("database"), client, after["broker"] - before["broker"])

    def close(self) -> None:
        self.redis.close()


# --- wrk -----------------------------------------------------------------------------


@dataclass
class Load:
    name: str
    connections: int
    requests: int = 0
    seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    load_average: str = ""
    cpu: Cpu = field(default_factory=Cpu)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def cpu_ms(self, part: str = "total") -> float:
        """CPU milliseconds per request (of one part of the set-up, or all of it)."""
        return getattr(self.cpu, part) * 1000 / self.requests if self.requests else 0.0

    @property
    def ceiling(self) -> float:
        """Requests per second the machine's cores could serve at this CPU cost per request."""
        return (os.cpu_count() or 1) * 1000 / self.cpu_ms() if self.requests else 0.0


@dataclass
class Round:
    """One timed create measurement and what it really created."""

    load: Load
    created: int
    outbox: int

    @property
    def real(self) -> bool:
        # wrk counts the answers it read; requests still in flight when it stopped may
        # have created a ticket too, at most one per connection.
        return self.load.requests <= self.created <= self.load.requests + self.load.connections


def lua_script(directory: str, *, key: str, method: str = "GET", body: dict | None = None) -> str:
    lines = [f'wrk.method = "{method}"', f'wrk.headers["Authorization"] = "Bearer {key}"']
    if body is not None:
        lines += [
            'wrk.headers["Content-Type"] = "application/json"',
            f"wrk.body = {json.dumps(json.dumps(body))}",
        ]
    handle, path = tempfile.mkstemp(suffix=".lua", dir=directory)
    with os.fdopen(handle, "w") as script:
        script.write("\n".join(lines) + "\n" + WRK_REPORT)
    return path


def wrk(name: str, url: str, script: str, *, connections: int, seconds: int, meter: CpuMeter) -> Load:
    """Drive ``url`` for ``seconds`` with ``connections`` open connections from one wrk thread
    (one core's worth of client leaves the other to the server and PostgreSQL)."""
    command = [
        wrk_path(),
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        "10s",
        "--script",
        script,
        url,
    ]
    before = meter.snapshot()
    finished = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    cpu = meter.used(before, meter.snapshot())
    match = re.search(r"^WRK_RESULT (\{.*\})$", finished.stdout, re.MULTILINE)
    if finished.returncode != 0 or match is None:
        raise SystemExit(f"wrk failed ({finished.returncode}):\n{finished.stdout}\n{finished.stderr}")
    result = json.loads(match.group(1))
    return Load(
        name=name,
        connections=connections,
        requests=result["requests"],
        seconds=result["duration_us"] / 1e6,
        errors={kind: result[kind] for kind in ("connect", "read", "write", "status", "timeout") if result[kind]},
        p50_ms=result["p50_us"] / 1000,
        p90_ms=result["p90_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        max_ms=result["max_us"] / 1000,
        load_average=load(),
        cpu=cpu,
    )


# --- in-process profile --------------------------------------------------------------

# Where a request's time goes: the functions that own each phase, timed inclusively (a
# nested phase is indented under the one that calls it). Module-level functions are
# wrapped wherever a module holds them, methods on their class.
PHASES = [
    ("authentication (token lookup)", "accounts.authentication", "ApiTokenAuthentication.authenticate"),
    ("input validation", "tickets.api.serializers", "TicketCreateSerializer.is_valid"),
    ("ticket_create (service)", "tickets.services.lifecycle", "ticket_create"),
    ("  SLA due times (ticket_sla_start)", "tickets.services.sla", "ticket_sla_start"),
    ("    sla_policy_for", "tickets.services.sla", "sla_policy_for"),
    ("    business_calendar", "tickets.services.sla", "business_calendar"),
    ("    sla_schedule (arithmetic)", "tickets.services.sla", "sla_schedule"),
    ("  ticket row (INSERT)", "tickets.models", "Ticket.save"),
    ("  SLA clock row (INSERT)", "tickets.services.lifecycle", "sla_clock_start"),
    ("  audit event (INSERT)", "tickets.services.lifecycle", "event_record"),
    ("  notification_queue", "tickets.services.notices", "notification_queue"),
    ("    recipients' preferences", "notifications.services.queue", "notification_preferences_of"),
    ("    templates rendered", "notifications.services.queue", "_render"),
    ("    webhook endpoints", "notifications.services.queue", "_webhook_rows"),
    ("    outbox rows (INSERT)", "django.db.models.query", "QuerySet.bulk_create"),
    ("  COMMIT", "django.db.backends.base.base", "BaseDatabaseWrapper._commit"),
    ("  on commit: Celery publish", "notifications.services.queue", "notification_enqueue"),
    ("visible levels (permissions)", "accounts.selectors", "agent_levels"),
    ("filtering", "django_filters.rest_framework.backends", "DjangoFilterBackend.filter_queryset"),
    ("page query and rows", "rest_framework.pagination", "CursorPagination.paginate_queryset"),
    ("serialisation", "tickets.api.serializers", "TicketSerializer.to_representation"),
    ("JSON rendering", "rest_framework.renderers", "JSONRenderer.render"),
]


class PhaseTimer:
    """Wall time spent in each phase while active; undone by ``close``."""

    def __init__(self):
        self.seconds: dict[str, float] = dict.fromkeys([label for label, _module, _name in PHASES], 0.0)
        self.active = False
        self._undo: list[tuple[object, str, object]] = []
        for label, module_name, name in PHASES:
            self._wrap(label, importlib.import_module(module_name), name)

    def _wrapper(self, label: str, function):
        def timed(*args, **kwargs):
            if not self.active:
                return function(*args, **kwargs)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started

        return timed

    def _wrap(self, label: str, module, name: str) -> None:
        if "." in name:
            class_name, method = name.split(".")
            owner = getattr(module, class_name)
            # None: inherited, so undone by deleting the wrapper from the class.
            self._undo.append((owner, method, owner.__dict__.get(method)))
            setattr(owner, method, self._wrapper(label, getattr(owner, method)))
            return
        function = getattr(module, name)
        wrapped = self._wrapper(label, function)
        for holder in list(sys.modules.values()):
            for attribute, value in list(getattr(holder, "__dict__", {}).items()):
                if value is function:
                    self._undo.append((holder, attribute, function))
                    setattr(holder, attribute, wrapped)

    def close(self) -> None:
        for owner, name, original in reversed(self._undo):
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)


@dataclass
class Profile:
    name: str
    requests: int
    wall_ms: float
    python_cpu_ms: float
    database_cpu_ms: float
    phases: dict[str, float]
    queries: list[tuple[float, str]]


def profile_request(client, timer: PhaseTimer, name: str, url: str, key: str, *, body=None, runs: int) -> Profile:
    """``runs`` requests in-process (after a few untimed ones): wall time, CPU of this process
    and of its PostgreSQL backend, and each phase, per request; the SQL of the last one."""
    from django.db import connection

    def send():
        response = client.generic(
            "POST" if body is not None else "GET",
            url,
            json.dumps(body) if body is not None else "",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        if response.status_code not in (200, 201):
            raise SystemExit(f"{name} answered {response.status_code} in-process: {response.content[:300]!r}")

    for _i in range(5):
        send()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    timer.seconds = dict.fromkeys(timer.seconds, 0.0)
    timer.active = True
    database_cpu = process_cpu_seconds(backend)
    python_cpu = time.process_time()
    started = time.perf_counter()
    for _i in range(runs):
        send()
    wall = time.perf_counter() - started
    python_cpu = time.process_time() - python_cpu
    database_cpu = process_cpu_seconds(backend) - database_cpu
    timer.active = False
    queries: list[tuple[float, str]] = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - started) * 1000, sql))

    with connection.execute_wrapper(record):
        send()
    return Profile(
        name,
        runs,
        wall * 1000 / runs,
        python_cpu * 1000 / runs,
        database_cpu * 1000 / runs,
        {label: seconds * 1000 / runs for label, seconds in timer.seconds.items() if seconds},
        queries,
    )


def profile_print(profile: Profile) -> None:
    sql_ms = sum(ms for ms, _sql in profile.queries)
    print(
        f"{profile.name}: {profile.wall_ms:.2f} ms a request (mean of {profile.requests}, one at a time); CPU "
        f"{profile.python_cpu_ms:.2f} ms Python + {profile.database_cpu_ms:.2f} ms PostgreSQL; "
        f"{len(profile.queries)} queries, {sql_ms:.2f} ms of SQL round trips"
    )
    for label, ms in profile.phases.items():
        print(f"    {label:<34} {ms:6.2f} ms  {ms / profile.wall_ms:4.0%}")
    print("  queries of one request (round trip ms):")
    for ms, sql in profile.queries:
        text = " ".join(sql.split())
        print(f"    {ms:6.2f}  {text[:110] + ' …' if len(text) > 110 else text}")
    print()


def profiles_run(list_path: str, keys: dict[str, str], second_page: str, *, runs: int) -> list[Profile]:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    supervisor = keys["supervisor"]
    timer = PhaseTimer()
    try:
        # The lists first, before the profile's own tickets are created.
        lists = [
            profile_request(client, timer, "GET list", list_path, supervisor, runs=runs),
            profile_request(client, timer, "GET list ?status=open&level=1", filtered(list_path), supervisor, runs=runs),
            profile_request(client, timer, "GET list 2nd page", second_page, supervisor, runs=runs),
        ]
        creating = profile_request(
            client, timer, "POST create", list_path, keys["requester"], body=ticket_body(), runs=runs
        )
        return [creating, *lists]
    finally:
        timer.close()


# --- main ----------------------------------------------------------------------------


def ticket_body() -> dict:
    return {
        "subject": SUBJECT,
        "description": "Since this morning the printer on the second floor shows 'offline'. Restarted it twice.",
        "urgency": "medium",
    }


def filtered(url: str) -> str:
    return f"{url}?status=open&level=1"


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
    reports = reports_bench()
    database_url = os.environ.get("BENCH_REPORTS_DATABASE_URL") or reports.DEFAULT_DATABASE_URL
    environment = server_environment(database_url, broker_url, cache_url, var_dir)
    # This process uses the server's settings too, for the in-process profile.
    os.environ.update(environment)
    django_on_bench_database("BENCH_REPORTS_DATABASE_URL", reports.DEFAULT_DATABASE_URL)

    from django.db import connection

    from notifications.models import Notification
    from tickets.models import Ticket

    removed = bench_tickets_remove(after_id=args.tickets)
    if removed:
        print(f"Removed {removed:,} tickets left by an earlier run.")
    reports.dataset_ensure(tickets=args.tickets, reseed=False)
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
