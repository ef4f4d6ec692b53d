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
import dataclasses
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support import machine  # noqa: E402
from bench.support.api_tickets import (  # noqa: E402
    SUBJECT,
    bench_tickets_remove,
    broker_flush,
    tables_vacuum,
    ticket_body,
    tickets_settled,
    tokens_create,
    tokens_remove,
)
from bench.support.celery_worker import (  # noqa: E402
    CONTROL_TIMEOUT,
    QUEUE,
    READY_TIMEOUT,
    Worker,
    control_ok,
    drain_timed,
    wait_for,
    worker_env,
)
from bench.support.database import django_on_bench_database  # noqa: E402
from bench.support.machine import load, machine_busy_seconds, process_cpu_seconds, tree_cpu  # noqa: E402
from bench.support.outbox import expected_message_ids, outbox_empty, rows_create, ticket_ensure  # noqa: E402
from bench.support.web_server import free_port, http, server_environment, server_start, server_stop, server_wait  # noqa: E402
from bench.support.wrk import Round, lua_script, wrk, wrk_path  # noqa: E402
from tests.fakes import FakeProcess  # noqa: E402
from tests.fakes.smtp import FakeSmtpServer  # noqa: E402


def module_from_file(name: str, path: Path):
    """A module loaded from its file: gunicorn.conf.py has no name Python can import."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# What production's gunicorn runs: its workers and threads (WEB_CONCURRENCY, GUNICORN_THREADS).
production = module_from_file("gunicorn_conf", ROOT / "gunicorn.conf.py")

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_scale"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/8"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/9"
CREATE_PATH = "/api/v1/tickets/"
# The policy of the production proxy: a new request goes to the replica with the fewest open.
LB_POLICY = "least_conn"
WORKER_NAME = "bench-scale"
# The bench's own connections to PostgreSQL carry this name, so the meter leaves them out.
APPLICATION_NAME = "bench/scale_out.py"
# How often the PostgreSQL backends' CPU time is read while a measurement runs.
SAMPLE_SECONDS = 0.25
CORES = os.cpu_count() or 1
# Less than this factor between the first and the last step is within a shared machine's noise.
HELPED = 1.15
# A share of the cores (or of one core, for a single process) past this is taken as all of it.
SATURATED = 0.85
# The parts of the set-up each section's figures name, by their field in Cpu.
WEB_PARTS = {"server": "gunicorn", "proxy": "Caddy", "database": "PostgreSQL", "client": "wrk", "broker": "Redis"}
WORKER_PARTS = {"server": "the workers", "relay": "the relay", "database": "PostgreSQL", "broker": "Redis"}
CADDYFILE = """\
{{
	admin off
	auto_https off
	log {{
		level WARN
	}}
}}

http://127.0.0.1:{port} {{
	reverse_proxy {upstreams} {{
		lb_policy {policy}
	}}
}}
"""


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


def caddy_path() -> str:
    path = shutil.which("caddy")
    if path is None:
        raise SystemExit("caddy is not installed: run `make system` (or `apt-get install caddy`) and try again.")
    return path


# --- CPU accounting ------------------------------------------------------------------


@dataclass
class Cpu(machine.Cpu):
    """The web bench's CPU seconds (server, PostgreSQL, wrk, Redis) with the proxy and the
    relay beside them; the server is gunicorn or the Celery workers. Not part of the total:
    ``machine``, how long the machine's cores were busy meanwhile, whoever used them, and
    ``wall``, the seconds the measurement lasted."""

    proxy: float = 0.0
    relay: float = 0.0
    machine: float = 0.0
    wall: float = 0.0

    @property
    def total(self) -> float:
        return super().total + self.proxy + self.relay

    def __add__(self, other: "Cpu") -> "Cpu":
        return Cpu(**{name: value + getattr(other, name) for name, value in dataclasses.asdict(self).items()})


class Backends(threading.Thread):
    """The CPU time of the PostgreSQL backends serving the bench database (but the bench's
    own, whose connections carry its application name), read every ``SAMPLE_SECONDS`` and
    kept after a backend exits. A Celery pool process opens a new connection every
    CELERY_DB_REUSE_MAX tasks, gunicorn's threads after DB_CONN_MAX_AGE seconds: read only
    at the start and the end of a measurement, a backend that exited in between would take
    its CPU with it."""

    def __init__(self) -> None:
        super().__init__(name="backends", daemon=True)
        self._seen: dict[tuple[int, object], float] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def read(self) -> dict[tuple[int, object], float]:
        """CPU seconds so far of every backend seen, by pid and start time (a pid is reused)."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, backend_start FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND application_name <> %s",
                [APPLICATION_NAME],
            )
            backends = cursor.fetchall()
        readings = {(pid, started): process_cpu_seconds(pid) for pid, started in backends}
        with self._lock:
            # A backend that exited reads 0: its last reading stands.
            self._seen.update((backend, seconds) for backend, seconds in readings.items() if seconds)
            return dict(self._seen)

    def run(self) -> None:
        from django.db import connection

        try:
            while not self._stopping.wait(SAMPLE_SECONDS):
                self.read()
        finally:
            connection.close()

    def close(self) -> None:
        self._stopping.set()
        self.join()


class Meter(machine.CpuMeter):
    """The web bench's meter over several process trees: the gunicorn servers or the Celery
    workers, and the proxy or the relay in front of them; PostgreSQL's backends as
    ``Backends`` reads them."""

    def __init__(
        self,
        *,
        broker_url: str,
        backends: Backends,
        servers: list[int],
        proxy: Sequence[int] = (),
        relay: Sequence[int] = (),
    ) -> None:
        super().__init__(servers[0], broker_url)
        self.backends = backends
        self.servers, self.proxy, self.relay = servers, list(proxy), list(relay)

    def snapshot(self) -> dict:
        shot = super().snapshot()
        shot.update(
            database=self.backends.read(),
            server=tree_cpu(self.servers),
            proxy=tree_cpu(self.proxy),
            relay=tree_cpu(self.relay),
            machine=machine_busy_seconds(),
            wall=time.monotonic(),
        )
        return shot

    def used(self, before: dict, after: dict) -> Cpu:
        def grown(part: str) -> float:
            return sum(seconds - before[part].get(pid, 0.0) for pid, seconds in after[part].items())

        common = machine.CpuMeter.used(before, after)
        return Cpu(
            **dataclasses.asdict(common),
            proxy=grown("proxy"),
            relay=grown("relay"),
            machine=after["machine"] - before["machine"],
            wall=after["wall"] - before["wall"],
        )


@dataclass
class Measured:
    """What one step did over all its rounds: the rate of each round, the CPU it took."""

    label: str
    processes: int
    rates: list[float] = field(default_factory=list)
    units: int = 0
    cpu: Cpu = field(default_factory=Cpu)

    def add(self, *, rate: float, units: int, cpu: Cpu) -> None:
        self.rates.append(rate)
        self.units += units
        self.cpu = self.cpu + cpu

    @property
    def rate(self) -> float:
        """The median round's rate (the lower middle one of an even count, as bench/api.py)."""
        return sorted(self.rates)[(len(self.rates) - 1) // 2]

    def cpu_ms(self, part: str = "total") -> float:
        return getattr(self.cpu, part) * 1000 / self.units if self.units else 0.0

    def share(self, part: str = "total") -> float:
        """The share of the machine's cores ``part`` used while the step ran."""
        return getattr(self.cpu, part) / (self.cpu.wall * CORES) if self.cpu.wall else 0.0

    @property
    def ceiling(self) -> float:
        """The rate the cores could serve at this step's whole CPU cost."""
        return CORES * 1000 / self.cpu_ms() if self.cpu_ms() else 0.0

    @property
    def database_ceiling(self) -> float:
        """The rate at which PostgreSQL alone would take every core, at its cost here."""
        return CORES * 1000 / self.cpu_ms("database") if self.cpu_ms("database") else 0.0


# --- the web processes and the proxy ---------------------------------------------------


@dataclass
class WebStep:
    label: str
    processes: int
    base: str
    servers: list
    proxy: subprocess.Popen | None = None
    rounds: list = field(default_factory=list)  # wrk.Round: wrk's answers and the tickets created

    @property
    def loads(self) -> list:
        return [measured.load for measured in self.rounds]


def caddy_start(*, port: int, upstreams: list[int], directory: Path) -> tuple[subprocess.Popen, Path]:
    """Caddy on 127.0.0.1:``port`` in front of the web processes on ``upstreams``, from a
    Caddyfile written for it; its state stays in ``directory``."""
    config = directory / f"Caddyfile-{len(upstreams)}"
    config.write_text(
        CADDYFILE.format(
            port=port, upstreams=" ".join(f"127.0.0.1:{upstream}" for upstream in upstreams), policy=LB_POLICY
        )
    )
    log = directory / f"caddy-{len(upstreams)}.log"
    home = {name: str(directory) for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME")}
    with log.open("w") as output:
        process = subprocess.Popen(
            [caddy_path(), "run", "--config", str(config), "--adapter", "caddyfile"],
            env={**os.environ, **home},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, log


def gunicorn_problems(name: str, log: Path) -> list[str]:
    """Django's tracebacks and gunicorn's error lines."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return [f"{name} logged errors:\n{text[-3000:]}"] if "Traceback" in text or " ERROR " in text else []


def caddy_problems(name: str, log: Path) -> list[str]:
    """Caddy's error lines (JSON), but for requests whose client went away: wrk closes its
    connections with requests still in flight when its time is up."""
    failures = []
    for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
        try:
            entry = json.loads(line)
        except ValueError:
            failures.append(line)
            continue
        if entry.get("level") in ("error", "fatal", "panic") and entry.get("error") != "context canceled":
            failures.append(line)
    return [f"{name} logged errors:\n" + "\n".join(failures[-20:])] if failures else []


def web_section(
    args, *, keys: dict[str, str], environment: dict, broker_url: str, backends: Backends, var_dir: Path, problems: list
):
    """Start the web processes and a proxy per step, drive each step in turn every round."""
    from tickets.models import Ticket

    processes = max(args.web)
    per_process = production.workers * production.threads
    connections = args.connections or processes * per_process
    print(
        f"Web           gunicorn.conf.py: {production.workers} gthread workers of {production.threads} threads per "
        f"process, DEBUG=0; Caddy {LB_POLICY} in front of {', '.join(map(str, args.web))} of them"
    )
    print(
        f"Load          wrk, 1 thread, {connections} connections at every step; {args.warmup} s warm-up, then "
        f"{args.rounds} x {args.duration} s per step; CPUs: {CORES}, load: {load()}"
    )
    print()
    with contextlib.ExitStack() as running:
        servers = []
        for number in range(processes):
            port = free_port()
            log = var_dir / f"gunicorn-{number + 1}.log"
            process = server_start(
                port=port, workers=production.workers, threads=production.threads, environment=environment, log=log
            )
            # Callbacks run last first: the process stops, then its log is read.
            running.callback(
                lambda name=f"web process {number + 1}", log=log: problems.extend(gunicorn_problems(name, log))
            )
            running.callback(server_stop, process)
            servers.append((process, port, log))
        for process, port, log in servers:
            server_wait(process, f"http://127.0.0.1:{port}", keys["supervisor"], log)

        first, first_port, _log = servers[0]
        steps = [WebStep("1 direct", 1, f"http://127.0.0.1:{first_port}", [first])]
        for count in args.web:
            port = free_port()
            proxy, log = caddy_start(port=port, upstreams=[port for _p, port, _l in servers[:count]], directory=var_dir)
            running.callback(lambda name=f"Caddy ({count})", log=log: problems.extend(caddy_problems(name, log)))
            running.callback(server_stop, proxy)
            server_wait(proxy, f"http://127.0.0.1:{port}", keys["supervisor"], log, name="Caddy")
            steps.append(
                WebStep(
                    f"{count} behind Caddy",
                    count,
                    f"http://127.0.0.1:{port}",
                    [s for s, _p, _l in servers[:count]],
                    proxy,
                )
            )

        baseline = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with tempfile.TemporaryDirectory(dir=var_dir) as scripts:
            script = lua_script(scripts, key=keys["requester"], method="POST", body=ticket_body())
            meters = {}
            for step in steps:
                status, body = http("POST", step.base + CREATE_PATH, keys["requester"], ticket_body())
                if status != 201:
                    raise SystemExit(f"POST {CREATE_PATH} through {step.label} answered {status}: {str(body)[:300]}")
                meters[step.label] = Meter(
                    broker_url=broker_url,
                    backends=backends,
                    servers=[server.pid for server in step.servers],
                    proxy=[step.proxy.pid] if step.proxy else [],
                )
                running.callback(meters[step.label].close)
                if args.warmup:
                    wrk(
                        "warm-up",
                        step.base + CREATE_PATH,
                        script,
                        connections=connections,
                        seconds=args.warmup,
                        meter=meters[step.label],
                    )
            for number in range(args.rounds):
                for step in steps:
                    before = tickets_settled(baseline)
                    creating = wrk(
                        step.label,
                        step.base + CREATE_PATH,
                        script,
                        connections=connections,
                        seconds=args.duration,
                        meter=meters[step.label],
                    )
                    after = tickets_settled(before)
                    step.rounds.append(
                        Round(
                            creating,
                            created=Ticket.objects.filter(pk__gt=before, pk__lte=after, subject=SUBJECT).count(),
                            outbox=0,  # not counted here: no worker runs during the web steps
                        )
                    )
                print(
                    f"  round {number + 1}: "
                    + ", ".join(f"{step.label} {step.loads[-1].rate:.0f} req/s" for step in steps),
                    flush=True,
                )
    print()
    return steps


def web_report(steps: list[WebStep], problems: list[str]) -> None:
    measured = []
    for step in steps:
        result = Measured(step.label, step.processes)
        for creating in step.loads:
            result.add(rate=creating.rate, units=creating.requests, cpu=creating.cpu)
        measured.append(result)
        for number, (creating, real) in enumerate(zip(step.loads, step.rounds, strict=True), 1):
            if creating.failed:
                problems.append(f"{step.label}, round {number}: errors {creating.errors}")
            if not real.real:
                problems.append(
                    f"{step.label}, round {number}: {real.created} tickets created for {creating.requests} answers"
                )

    header = (
        f"{'web step':<18} {'req/s':>7} {'vs 1st':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'tickets':>9}  "
        f"{'rounds (req/s)':<20}"
    )
    print(header)
    print("-" * len(header))
    for result, step in zip(measured, steps, strict=True):
        median = sorted(step.loads, key=lambda creating: creating.rate)[(len(step.loads) - 1) // 2]
        consistent = sum(real.real for real in step.rounds)
        print(
            f"{result.label:<18} {result.rate:>7.1f} {result.rate / measured[0].rate:>6.2f} {median.p50_ms:>7.1f} "
            f"{median.p99_ms:>7.1f} {sum(creating.failed for creating in step.loads):>6} "
            f"{f'{consistent}/{len(step.rounds)} ok':>9}  {', '.join(f'{rate:.0f}' for rate in result.rates)}"
        )
    print(
        "(req/s, p50 and p99 of the median round; tickets: rounds whose tickets created match wrk's answers, "
        "give or take the requests in flight when it stopped.)"
    )
    print()
    cpu_table(
        measured,
        unit="request",
        parts=[("gunicorn", "server"), ("Caddy", "proxy"), ("pg", "database"), ("wrk", "client"), ("redis", "broker")],
    )

    direct, proxied = measured[0], measured[1:]
    one = proxied[0]
    proxy_ms = one.cpu_ms("proxy")
    against = (
        f"one process behind it served {one.rate / direct.rate:.2f}x the req/s it served directly"
        if one.processes == 1
        else "no step has one process behind it to set against the direct one"
    )
    print(
        f"Proxy: Caddy costs {proxy_ms:.2f} ms of CPU a request ({proxy_ms / one.cpu_ms():.0%} of all a request "
        f"costs behind it); {against}."
    )
    print(verdict("Web", "web processes", "request", "req/s", proxied, parts=WEB_PARTS))
    print()


def cpu_table(measured: list[Measured], *, unit: str, parts: list[tuple[str, str]]) -> None:
    names = "".join(f" {name:>8}" for name, _part in parts)
    header = (
        f"{'step':<18}{names} {'all':>6} {'ceiling':>8}   {'cores busy: pg':>14} {'measured':>8} {'machine':>7} "
        f"{'pg ceiling':>10}"
    )
    print(f"Where the cores went: CPU ms a {unit}, and the share of the cores used")
    print(header)
    print("-" * len(header))
    for result in measured:
        figures = "".join(f" {result.cpu_ms(part):>8.2f}" for _name, part in parts)
        print(
            f"{result.label:<18}{figures} {result.cpu_ms():>6.2f} {result.ceiling:>8.0f}   "
            f"{result.share('database'):>14.0%} {result.share():>8.0%} {result.share('machine'):>7.0%} "
            f"{result.database_ceiling:>10.0f}"
        )
    print(
        f"(CPU over all rounds of a step, per {unit}; ceiling: the {unit}s a second {CORES} cores could serve at "
        f"that whole cost; cores busy: the share of the {CORES} cores PostgreSQL's backends, everything measured "
        f"and the whole machine, others' work included, used while the step ran; pg ceiling: the {unit}s a second "
        "at which PostgreSQL alone would take every core.)"
    )
    print()


def bound(result: Measured, parts: dict[str, str]) -> tuple[str, str]:
    """What limits a step, from where its CPU went: ("relay" | "database" | "cores" | "waits", a phrase)."""
    others = result.share("machine") - result.share()
    spread = ", ".join(
        f"{name} {result.share(part):.0%}"
        for part, name in sorted(parts.items(), key=lambda item: result.share(item[0]), reverse=True)
        if result.share(part) >= 0.005
    )
    if others >= 0.005:
        spread += f", others {others:.0%}"
    busy = f"{result.share('machine'):.0%} busy: {spread}"
    if "relay" in parts and result.share("relay") * CORES >= SATURATED:
        # The relay is one process: one core is all it can use.
        return "relay", f"the relay, one process at {result.share('relay') * CORES:.0%} of a core (the cores {busy})"
    if result.share("machine") >= SATURATED:
        if max(parts, key=result.share) == "database":
            return "database", f"PostgreSQL, the largest share of cores that are all busy ({busy})"
        return "cores", f"the cores ({busy})"
    waits = "between the processes" + (", and for cores others' work held" if others >= 0.1 else "")
    return "waits", f"neither the cores ({busy}) nor PostgreSQL: the time goes in waits {waits}"


def verdict(section: str, plural: str, each: str, unit: str, measured: list[Measured], *, parts: dict[str, str]) -> str:
    """One line: did adding processes help, what bounds the last step, and where PostgreSQL would."""
    first, last = measured[0], measured[-1]
    gain = last.rate / first.rate if first.rate else 0.0
    served = f"{last.processes} served {gain:.2f}x the {unit} of {first.processes}"
    if len(measured) < 2:
        helped = f"one step only ({first.processes})"
    elif gain >= HELPED:
        helped = f"adding {plural} helped ({served})"
        others = last.share("machine") - last.share()
        if others >= 0.1 and last.share() >= first.share() * HELPED:
            # More runnable processes get more of a machine others are busy on, not more of the machine.
            helped += (
                f", but by taking cores from others' work: the bench used {first.share():.0%} of the cores, "
                f"then {last.share():.0%}, beside others' {others:.0%}"
            )
    elif gain > 1 / HELPED:
        helped = f"adding {plural} did not help ({served})"
    else:
        helped = f"adding {plural} cost throughput ({served})"
    kind, limit = bound(last, parts)
    if kind in ("cores", "database"):
        limit += (
            f"; at {last.cpu_ms():.2f} ms of CPU a {each} they serve at most "
            f"{last.ceiling:,.0f} {unit}, however many processes share them"
        )
    return (
        f"{section}: {helped}. The bound at {last.processes} is {limit}. PostgreSQL took "
        f"{last.share('database'):.0%} of the cores: alone it would take them all at about "
        f"{last.database_ceiling:,.0f} {unit} ({last.database_ceiling / last.rate:.1f}x the rate measured)."
    )


# --- the workers -----------------------------------------------------------------------


def workers_section(
    args, *, database_url: str, broker_url: str, backends: Backends, var_dir: Path, problems: list
) -> list[Measured]:
    import redis
    from django.conf import settings
    from django.db import connection

    from helpdesk.celery import app
    from notifications.choices import NotificationChannel, NotificationStatus
    from notifications.models import Notification
    from notifications.tasks import notification_send

    batch = settings.HELPDESK_NOTIFICATION_BATCH
    redis_client = redis.Redis.from_url(broker_url)
    measured = [Measured(f"{count} worker{'s' if count > 1 else ''}", count) for count in args.workers]
    every_id: dict[str, list[int]] = {result.label: [] for result in measured}
    warmup_ids: list[int] = []
    with contextlib.ExitStack() as running:
        running.callback(redis_client.close)
        relay = FakeProcess(FakeSmtpServer)
        running.callback(relay.stop)
        # No SMS in this bench: the gateway's address stays empty.
        environment = worker_env(
            database_url=database_url, broker_url=broker_url, smtp_port=relay.port, gateway_url="", var_dir=str(var_dir)
        )
        workers = []
        for number in range(max(args.workers)):
            worker = Worker(
                env=environment,
                log_path=var_dir / f"worker-{number + 1}.log",
                name=f"{WORKER_NAME}-{number + 1}",
                concurrency=None,
            )
            running.callback(worker.stop)
            workers.append(worker)
        names = [worker.name for worker in workers]
        wait_for(
            lambda: (
                {name for reply in app.control.ping(destination=names, timeout=0.5) for name in reply} >= set(names)
            ),
            timeout=READY_TIMEOUT,
            what="every worker to answer a ping",
            workers=workers,
        )
        stats = app.control.inspect(destination=names, timeout=CONTROL_TIMEOUT).stats() or {}
        concurrency = sorted({reply["pool"]["max-concurrency"] for reply in stats.values()})
        print(
            f"Workers       celery -A helpdesk worker -Q {QUEUE} --pool prefork, concurrency "
            f"{'/'.join(map(str, concurrency))} each (Celery's default, a process per CPU, as docker-compose.yml "
            "runs it), DEBUG=0, prefetch multiplier 1, acks late"
        )
        print(
            f"Load          {args.messages:,} email outbox rows per step (a task per {batch} rows, as "
            f"notification_enqueue hands them over) to a fake SMTP relay in a process of its own; {args.rounds} "
            f"round(s) after a warm-up; CPUs: {CORES}, load: {load()}"
        )
        print()

        outbox_empty()
        ticket = ticket_ensure()
        connection.close()  # the bench waits on Redis; no idle connection state while the workers write

        def pause_all() -> None:
            control_ok(
                app.control.cancel_consumer(QUEUE, destination=names, reply=True, timeout=CONTROL_TIMEOUT),
                workers,
                "pausing its consumer",
            )

        def drain(*, count: int, first: int, tag: str, step_workers: list, meter=None) -> tuple[float, list, Cpu]:
            """Bulk-create ``count`` rows and time their delivery by the step's workers alone;
            the CPU meter runs from the hand-over to the last acknowledgement."""
            ids = rows_create(channel=NotificationChannel.EMAIL, count=count, ticket=ticket, tag=tag, first=first)
            pause_all()
            before = meter.snapshot() if meter else None
            seconds = drain_timed(
                task=notification_send,
                # A task per batch of rows, as notification_enqueue hands them over.
                argument_lists=[(ids[start : start + batch],) for start in range(0, len(ids), batch)],
                workers=step_workers,
                redis_client=redis_client,
            )
            cpu = meter.used(before, meter.snapshot()) if meter else Cpu()
            not_sent = Notification.objects.filter(pk__in=ids).exclude(status=NotificationStatus.SENT).count()
            if not_sent:
                problems.append(f"{tag}: {not_sent:,} of {count:,} notifications not sent")
            return seconds, ids, cpu

        # Every pool process of every worker takes a few tasks before the clock runs.
        warmup = batch * len(workers) * max(concurrency) * 2
        _seconds, warmup_ids, _cpu = drain(count=warmup, first=0, tag="warm-up", step_workers=workers)
        first = warmup
        meters = {}
        for result in measured:
            step_workers = workers[: result.processes]
            meters[result.label] = Meter(
                broker_url=broker_url,
                backends=backends,
                servers=[worker.process.pid for worker in step_workers],
                relay=[relay.process.pid],
            )
            running.callback(meters[result.label].close)
        for number in range(args.rounds):
            for result in measured:
                seconds, ids, cpu = drain(
                    count=args.messages,
                    first=first,
                    tag=f"{result.label}, round {number + 1}",
                    step_workers=workers[: result.processes],
                    meter=meters[result.label],
                )
                first += args.messages
                every_id[result.label] += ids
                result.add(rate=args.messages / seconds, units=args.messages, cpu=cpu)
            print(
                f"  round {number + 1}: "
                + ", ".join(f"{result.label} {result.rates[-1]:,.0f}/s" for result in measured),
                flush=True,
            )
        received = relay.call("message_ids")
        mail = relay.call("stats")

    print()
    sent_once = {}
    for label, ids in [("warm-up", warmup_ids), *every_id.items()]:
        expected = expected_message_ids(ids)
        lost = sum(1 for message_id in expected if message_id not in received)
        twice = sum(1 for message_id in expected if received.get(message_id, 0) > 1)
        sent_once[label] = len(expected) - lost - twice
        if lost or twice or len(expected) != len(ids):
            problems.append(f"{label}: of {len(ids):,} messages {lost:,} never reached the relay, {twice:,} twice")
    total = len(warmup_ids) + sum(map(len, every_id.values()))
    if mail["received"] != total or mail["duplicated"]:
        problems.append(f"SMTP relay: {mail}, expected {total:,} distinct messages received once")

    header = f"{'worker step':<18} {'msg/s':>7} {'vs 1st':>6} {'sent once':>13}  {'rounds (msg/s)':<20}"
    print(header)
    print("-" * len(header))
    for result in measured:
        print(
            f"{result.label:<18} {result.rate:>7.0f} {result.rate / measured[0].rate:>6.2f} "
            f"{f'{sent_once[result.label]:,}/{len(every_id[result.label]):,}':>13}  "
            f"{', '.join(f'{rate:.0f}' for rate in result.rates)}"
        )
    print(
        f"(msg/s of the median round; sent once: messages whose Message-ID reached the relay exactly once. "
        f"The relay took {mail['received']:,} messages on {mail['connections']:,} connections, warm-up included.)"
    )
    print()
    cpu_table(
        measured,
        unit="message",
        parts=[("workers", "server"), ("relay", "relay"), ("redis", "broker"), ("pg", "database")],
    )
    print(verdict("Workers", "worker processes", "message", "msg/s", measured, parts=WORKER_PARTS))
    print()
    return measured


# --- main ------------------------------------------------------------------------------


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

        from tickets.demo import demo_users_ensure
        from tickets.models import Ticket

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
            Ticket.objects.filter(requester__username="bench-requester").delete()
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
