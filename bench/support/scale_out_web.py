"""bench/scale_out.py's web section: one gunicorn server per web process as production runs it
(gunicorn.conf.py), a local Caddy in front of one, two… of them, wrk creating tickets through
each step in turn every round, and the section's report."""

import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.support.api_tickets import SUBJECT, ticket_body, tickets_settled
from bench.support.machine import load
from bench.support.scale_out_figures import CORES, Backends, Measured, Meter, cpu_table, verdict
from bench.support.web_server import free_port, http, server_start, server_stop, server_wait
from bench.support.wrk import Round, lua_script, wrk

ROOT = Path(__file__).resolve().parents[2]


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

CREATE_PATH = "/api/v1/tickets/"
# The policy of the production proxy: a new request goes to the replica with the fewest open.
LB_POLICY = "least_conn"
# The parts of the set-up this section's figures name, by their field in Cpu.
WEB_PARTS = {"server": "gunicorn", "proxy": "Caddy", "database": "PostgreSQL", "client": "wrk", "broker": "Redis"}
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


def caddy_path() -> str:
    path = shutil.which("caddy")
    if path is None:
        raise SystemExit("caddy is not installed: run `make system` (or `apt-get install caddy`) and try again.")
    return path


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
