"""Monitoring alerts accepted per second by the web server, and the time from the POST to the
ticket and to the P1 page's SMS at an HTTP SMS gateway, with a real Celery worker.

Run from the project root: ``.venv/bin/python bench/alert_intake.py [--alerts N]
[--fingerprints F] [--rounds R]``. It uses its own PostgreSQL database
(``BENCH_ALERTS_DATABASE_URL``, created and migrated when needed) and Redis
(``BENCH_ALERTS_BROKER_URL``) as the broker.

It starts gunicorn as production runs it (gunicorn.conf.py, DEBUG off), a Celery worker
on the queues production's worker takes (``celery,notifications``), the fake HTTP SMS
gateway and the fake SMTP relay of tests/fakes. Each round, with fingerprints of its own:

- posts ``--alerts`` alerts over ``--fingerprints`` fingerprints as Alertmanager does
  (bodies of 50 alerts, every fingerprint once in the first bodies, then the repeats),
  from four threads at once, as the monitoring account with its API token; one alert in
  ten is critical (P1: a page to the Level II agent and the supervisor, by SMS);
- times the POSTs (alerts accepted per second: alerts over the time from the first POST
  to the last answer);
- measures, per fingerprint, the time from the first POST that held it to its ticket's
  creation (the ticket's ``created_at``), and for each P1 to the page's SMS arriving at the
  gateway (polled every 5 ms).

Prints each round and the medians over the rounds. Exits 1 when a POST is not answered
202, when a round does not end with one ticket per fingerprint, or a P1 page is not sent
exactly once to each of the two people on call.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support.celery_worker import worker_env  # noqa: E402
from bench.support.database import django_on_bench_database  # noqa: E402
from bench.support.machine import load  # noqa: E402
from bench.support.web_server import free_port, server_environment, server_start, server_stop, server_wait  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_alerts"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/5"
BODY_ALERTS = 50
POSTERS = 4
CRITICAL_EVERY = 10
ON_CALL = ("+6281299990002", "+6281299990009")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--fingerprints", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args()


def alert(fingerprint: str, critical: bool) -> dict:
    return {
        "status": "firing",
        "labels": {
            "alertname": f"Bench{fingerprint}",
            "severity": "critical" if critical else "warning",
            "instance": f"host-{fingerprint}:9100",
            "job": "node",
        },
        "annotations": {"summary": f"{fingerprint} is unwell"},
        "startsAt": "2026-12-07T00:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": fingerprint,
    }


def bodies_for(prefix: str, alerts: int, fingerprints: int) -> list[tuple[list[str], bytes]]:
    keys = [f"{prefix}{number:04d}" for number in range(fingerprints)]
    stream = [keys[index % fingerprints] for index in range(alerts)]
    bodies = []
    for start in range(0, len(stream), BODY_ALERTS):
        chunk = stream[start : start + BODY_ALERTS]
        payload = {
            "version": "4",
            "groupKey": f'{{}}:{{job="node",bench="{prefix}"}}',
            "truncatedAlerts": 0,
            "status": "firing",
            "receiver": "helpdesk",
            "groupLabels": {"job": "node"},
            "commonLabels": {"job": "node"},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093",
            "alerts": [alert(key, keys.index(key) % CRITICAL_EVERY == 0) for key in chunk],
        }
        bodies.append((chunk, json.dumps(payload).encode()))
    return bodies


def post(url: str, key: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - our loopback server
    request.add_header("Authorization", f"Bearer {key}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def floor_round(base: str, key: str, requests: int) -> float:
    """The stack side by side: the same posters, gunicorn and token, as many of the API's
    lightest authenticated reads (the monitoring account's first ticket); requests/s."""

    def fetch(_number: int) -> int:
        request = urllib.request.Request(f"{base}/api/v1/tickets/?page_size=1")  # noqa: S310 - our loopback server
        request.add_header("Authorization", f"Bearer {key}")
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            response.read()
            return response.status

    started = time.perf_counter()
    with ThreadPoolExecutor(POSTERS) as pool:
        answers = list(pool.map(fetch, range(requests)))
    assert set(answers) == {200}, sorted(set(answers))
    return requests / (time.perf_counter() - started)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def post_round(url: str, key: str, gateway, bodies: list[tuple[list[str], bytes]]):
    """Post the bodies from POSTERS threads while a thread notes when each SMS reaches the
    gateway; returns when each fingerprint was first sent, the answers, the SMS seen (the
    poller still running, to be stopped), and the seconds the POSTs took."""
    first_sent: dict[str, float] = {}
    lock = threading.Lock()
    statuses: list[int] = []
    sms_seen: dict[str, float] = {}
    stop_polling = threading.Event()

    def poll_gateway() -> None:
        while not stop_polling.is_set():
            now = time.time()
            for delivery in gateway.deliveries():
                sms_seen.setdefault(delivery.message_id, now)
            time.sleep(0.005)

    before = {delivery.message_id for delivery in gateway.deliveries()}
    poller = threading.Thread(target=poll_gateway, daemon=True)
    poller.start()

    def send(item: tuple[list[str], bytes]) -> None:
        keys, body = item
        sent_at = time.time()
        with lock:
            for fingerprint in keys:
                first_sent.setdefault(fingerprint, sent_at)
        statuses.append(post(url, key, body))

    started = time.perf_counter()
    with ThreadPoolExecutor(POSTERS) as pool:
        list(pool.map(send, bodies))
    return first_sent, statuses, sms_seen, before, stop_polling, poller, time.perf_counter() - started


def main() -> int:
    options = arguments()
    database_url = django_on_bench_database("BENCH_ALERTS_DATABASE_URL", DEFAULT_DATABASE_URL)
    broker_url = os.environ.get("BENCH_ALERTS_BROKER_URL") or DEFAULT_BROKER_URL

    from django.contrib.auth import get_user_model

    from accounts.choices import Role
    from accounts.models import SupportLevel
    from accounts.services import api_token_create, user_set_role
    from alerts.models import Alert
    from alerts.services import monitoring_account
    from escalation.models import Page
    from tests.fakes.sms_gateway import FakeSmsGateway
    from tests.fakes.smtp import FakeSmtpServer
    from tickets.models import Ticket

    people = get_user_model().objects
    agent, _created = people.get_or_create(username="bench-alerts-agent", defaults={"phone": ON_CALL[0]})
    user_set_role(user=agent, role=Role.AGENT)
    SupportLevel.objects.get(number=2).members.add(agent)
    supervisor, _created = people.get_or_create(username="bench-alerts-supervisor", defaults={"phone": ON_CALL[1]})
    user_set_role(user=supervisor, role=Role.SUPERVISOR)
    # Only these two are paged: other staff a previous bench left in this database lose their phones.
    people.exclude(pk__in=[agent.pk, supervisor.pk]).exclude(phone="").update(phone="")
    _token, key = api_token_create(user=monitoring_account(), name="bench")

    gateway, smtp = FakeSmsGateway(), FakeSmtpServer()
    gateway.start()
    smtp.start()
    var_dir = tempfile.mkdtemp(prefix="bench-alerts-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web_log, worker_log = Path(var_dir) / "gunicorn.log", Path(var_dir) / "worker.log"
    web = server_start(
        port=port,
        workers=2,
        threads=4,
        environment={
            **server_environment(database_url, broker_url, broker_url, var_dir),
            "CELERY_TASK_ALWAYS_EAGER": "0",
        },
        log=web_log,
    )
    env = worker_env(
        database_url=database_url,
        broker_url=broker_url,
        smtp_port=smtp.port,
        gateway_url=gateway.url,
        var_dir=var_dir,
    )
    env["HELPDESK_CACHE_URL"] = broker_url
    celery = str(Path(sys.executable).with_name("celery"))
    with worker_log.open("w") as output:
        worker = subprocess.Popen(
            [celery, "-A", "helpdesk", "worker", "-l", "warning", "-Q", "celery,notifications", "--concurrency", "2"]
            + ["-n", f"bench-alerts-{uuid.uuid4().hex[:6]}@%h", "--without-mingle", "--without-gossip"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    failed = False
    rates, to_ticket, to_sms, all_tickets = [], [], [], []
    try:
        server_wait(web, base, key, web_log)
        url = f"{base}/api/v1/alerts/alertmanager/"
        for round_number in range(options.rounds):
            prefix = f"r{uuid.uuid4().hex[:8]}-"
            first_sent, statuses, sms_seen, before, stop_polling, poller, accepted = post_round(
                url, key, gateway, bodies_for(prefix, options.alerts, options.fingerprints)
            )
            rates.append(options.alerts / accepted)
            if set(statuses) != {202}:
                print(f"round {round_number + 1}: answers {sorted(set(statuses))}")
                failed = True

            expected_p1 = len([number for number in range(options.fingerprints) if number % CRITICAL_EVERY == 0])
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                alerts = Alert.objects.filter(key__startswith=prefix)
                counted = sum(alerts.values_list("fire_count", flat=True))
                texted = len(set(sms_seen) - before)
                if counted >= options.alerts and texted >= 2 * expected_p1:
                    break
                time.sleep(0.05)
            time.sleep(1.0)  # anything sent twice would arrive by now
            stop_polling.set()
            poller.join()

            rows = list(Alert.objects.filter(key__startswith=prefix).select_related("ticket"))
            tickets = {row.key: row.ticket for row in rows if row.ticket is not None}
            latencies = [(tickets[fp].created_at.timestamp() - first_sent[fp]) for fp in tickets]
            by_reference = {ticket.reference: fp for fp, ticket in tickets.items()}
            sms_latencies = []
            new_sms = [d for d in gateway.deliveries() if d.message_id not in before]
            for delivery in new_sms:
                reference = next((ref for ref in by_reference if ref in delivery.body), None)
                if reference is not None:
                    sms_latencies.append(sms_seen[delivery.message_id] - first_sent[by_reference[reference]])
            ticket_ids = [ticket.pk for ticket in tickets.values()]
            pages = Page.objects.filter(ticket_id__in=ticket_ids).count()
            counted = sum(row.fire_count for row in rows)
            good = (
                len(tickets) == options.fingerprints
                and Ticket.objects.filter(pk__in=ticket_ids).count() == options.fingerprints
                and counted == options.alerts
                and pages == expected_p1
                and len(sms_latencies) == 2 * expected_p1
            )
            if not good:
                print(
                    f"round {round_number + 1}: {len(tickets)} tickets, {counted} alerts counted, {pages} pages, "
                    f"{len(sms_latencies)} page SMS (expected {options.fingerprints}, {options.alerts}, "
                    f"{expected_p1}, {2 * expected_p1})"
                )
                failed = True
            if not latencies or not sms_latencies:
                failed = True
                break
            to_ticket.append(statistics.median(latencies))
            to_sms.append(statistics.median(sms_latencies))
            all_tickets.append(max(latencies))
            print(
                f"round {round_number + 1}: {rates[-1]:7.0f} alerts/s accepted ({accepted:.2f} s); "
                f"POST → ticket median {to_ticket[-1] * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
                f"last {max(latencies) * 1000:.0f} ms; POST → P1 SMS median {to_sms[-1] * 1000:.0f} ms, "
                f"last {max(sms_latencies) * 1000:.0f} ms; {len(tickets)} tickets, {pages} pages, "
                f"{len(sms_latencies)} SMS"
            )
        floors = [floor_round(base, key, -(-options.alerts // BODY_ALERTS)) for _round in range(options.rounds)]
        if rates and to_ticket:
            print()
            print(
                f"Alert intake, {options.alerts} alerts over {options.fingerprints} fingerprints in bodies of "
                f"{BODY_ALERTS}, {POSTERS} posters, gunicorn 2×4, one worker (2 processes); "
                f"median of {len(to_ticket)} (load {load()}):"
            )
            print(f"  accepted:            {statistics.median(rates):8.0f} alerts/s")
            print(f"  POST → ticket:       {statistics.median(to_ticket) * 1000:8.0f} ms (median fingerprint)")
            print(f"  POST → last ticket:  {statistics.median(all_tickets) * 1000:8.0f} ms")
            print(f"  POST → P1 page SMS:  {statistics.median(to_sms) * 1000:8.0f} ms (median page)")
            bodies = statistics.median(rates) / BODY_ALERTS
            floor = statistics.median(floors)
            print(
                f"  side by side:        {bodies:8.0f} alert bodies/s against {floor:.0f} requests/s of the API's "
                f"lightest authenticated read (GET /api/v1/tickets/?page_size=1, same posters, gunicorn and "
                f"token): {bodies / floor:.2f} of it"
            )
    finally:
        server_stop(web)
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        gateway.stop()
        smtp.stop()
    if failed:
        print(f"logs: {web_log} {worker_log}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
