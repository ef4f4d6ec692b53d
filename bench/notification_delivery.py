"""Delivery rate of outbox notifications through a real Celery worker, against the no-op floor.

Run from the project root: ``.venv/bin/python bench/notification_delivery.py [--count N] [--rounds R]``.
It uses its own PostgreSQL database (``BENCH_NOTIFY_DATABASE_URL``, created and migrated when
needed) and its own Redis database (``BENCH_NOTIFY_BROKER_URL``), both emptied of earlier runs.

One worker (prefork pool, ``--concurrency 2``, the production default pool, DEBUG off, log
level warning) consumes the ``notifications`` queue. A fake SMTP relay (aiosmtpd) and a fake
HTTP SMS gateway (JSON, idempotency header) run in child processes of their own, so they do
not share the worker's processes, and count what they receive. Each round drains three
workloads of ``--count`` tasks or notifications, in this order:

- no-op tasks (``health.tasks.noop``): the floor, what fetching, running and acknowledging a
  task costs Celery itself;
- email notifications (bulk-created outbox rows) through the SMTP relay, one
  ``notification_send`` task per ``--batch`` rows (the ``HELPDESK_NOTIFICATION_BATCH``
  setting unless given), as ``notification_enqueue`` hands them over: the worker still
  claims, sends and records each row on its own;
- SMS notifications the same way through the HTTP gateway.

For each workload the worker's consumer is paused (remote control), every task is
published, then the consumer resumes; the clock runs from resuming until the queue and the
broker's unacknowledged set are both empty. Publishing and bulk-creating rows are not
timed. Prints tasks (no-op) or notifications per second for each and the ratio of each delivery rate to the no-op
rate (the target is 0.5 or more), as the median over the rounds. Exits 1 when a
notification was not sent, or was received twice, or the worker did not drain the queue.
"""

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kombu.transport.redis import Transport as RedisTransport  # noqa: E402
from queue_pages import django_on_bench_database, load  # noqa: E402  (bench/ is on sys.path)

from tests.fakes import FakeProcess  # noqa: E402
from tests.fakes.sms_gateway import BODY_TEMPLATE, IDEMPOTENCY_HEADER, FakeSmsGateway  # noqa: E402
from tests.fakes.smtp import FakeSmtpServer  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_notify"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/12"
QUEUE = "notifications"
WORKER_NAME = "bench-notify"
CONCURRENCY = 2
TARGET_RATIO = 0.5
READY_TIMEOUT = 60.0
CONTROL_TIMEOUT = 5.0
POLL_INTERVAL = 0.01
# Kombu's Redis transport keeps delivered but unacknowledged messages in this hash.
UNACKED_KEY = "unacked"
# A worker whose consumer was just paused may still wait in a BRPOP it sent before: it would
# take a message published meanwhile and put it back. This long, and every such BRPOP is over.
PAUSE_SETTLE = RedisTransport.brpop_timeout + 0.2
WARMUP_TASKS = 200
MAIL_DOMAIN = "bench.example"
PUBLISH_CHUNK = 1000

# Bodies the size of the rendered acknowledgement emails (templates/emails/ticket_created_*).
BODY_TEXT = (
    "Hello,\n\nWe received your request HD-000001 \u201cOutlook keeps asking for my password\u201d "
    "and filed it for the Level I team.\nYou will hear from us within the first-response time "
    "of its priority.\n\nFollow it or add details: http://127.0.0.1:8000/tickets/HD-000001/\n\n"
    "-- \nIT Helpdesk\n"
)
BODY_HTML = (
    '<!doctype html><html><body style="font-family: sans-serif"><p>Hello,</p><p>We received '
    "your request <strong>HD-000001</strong> \u201cOutlook keeps asking for my password\u201d and "
    "filed it for the Level I team.</p><p>You will hear from us within the first-response time "
    'of its priority.</p><p><a href="http://127.0.0.1:8000/tickets/HD-000001/">Follow it or add '
    "details</a></p><p>-- <br>IT Helpdesk</p></body></html>"
)
SMS_TEXT = "HD-000001 P1 escalated to Level II: The whole office is offline. http://127.0.0.1:8000/t/HD-000001/"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--count",
        type=int,
        default=int(os.environ.get("BENCH_NOTIFY_COUNT", "10000")),
        help="tasks per workload and round (default: env BENCH_NOTIFY_COUNT or 10000)",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=None,
        help="notifications per task (default: the HELPDESK_NOTIFICATION_BATCH setting; 1 shows the cost per task)",
    )
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_RUNS", "1")), help="timed rounds")
    return parser.parse_args()


class Worker:
    """A celery worker under test, a child process writing its log to a file. Several run
    side by side under names of their own; ``concurrency=None`` leaves the pool at Celery's
    default (one process per CPU), as docker-compose.yml runs it."""

    def __init__(
        self, *, env: dict[str, str], log_path: Path, name: str = WORKER_NAME, concurrency: int | None = CONCURRENCY
    ) -> None:
        self.log_path = log_path
        self.name = f"{name}@{socket.gethostname()}"
        self._log = log_path.open("w")
        command = [str(Path(sys.executable).with_name("celery")), "-A", "helpdesk", "worker", "-l", "warning"]
        command += ["--pool", "prefork", "-Q", QUEUE, "-n", f"{name}@%h", "--without-mingle", "--without-gossip"]
        if concurrency is not None:
            command += ["--concurrency", str(concurrency)]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise SystemExit(f"The worker exited with code {self.process.returncode}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # warm shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def worker_env(*, database_url: str, broker_url: str, smtp_port: int, gateway_url: str, var_dir: str) -> dict:
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "LOG_LEVEL": "WARNING",
        "HELPDESK_VAR_DIR": var_dir,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DEFAULT_FROM_EMAIL": f"helpdesk@{MAIL_DOMAIN}",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_USE_SSL": "0",
        "SMS_BACKEND": "notifications.sms.http.SmsBackend",
        "SMS_HTTP_URL": gateway_url,
        "SMS_HTTP_BODY_TEMPLATE": BODY_TEMPLATE,
        "SMS_HTTP_IDEMPOTENCY_HEADER": IDEMPOTENCY_HEADER,
        "SMS_HTTP_TIMEOUT": "10",
    }


def wait_for(predicate, *, timeout: float, what: str, workers: list[Worker]):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        for worker in workers:
            worker.check_alive()
        if time.monotonic() > deadline:
            tails = "\n".join(f"{worker.name}:\n{worker.log_tail()}" for worker in workers)
            raise SystemExit(f"Waited {timeout:.0f} s for {what}.\n{tails}")
        time.sleep(POLL_INTERVAL)


def control_ok(replies, workers: list[Worker], what: str) -> None:
    answered = {name for reply in replies or [] for name in reply}
    for worker in workers:
        if worker.name not in answered:
            raise SystemExit(f"{worker.name} did not confirm {what}: {replies!r}\n{worker.log_tail()}")


def ticket_ensure():
    """One requester and one ticket every notification points at."""
    from django.contrib.auth import get_user_model

    from tickets.models import Ticket

    requester, _created = get_user_model().objects.get_or_create(
        username="bench-requester", defaults={"email": "bench-requester@example.com"}
    )
    ticket = Ticket.objects.filter(requester=requester).first()
    if ticket is None:
        ticket = Ticket.objects.create(
            requester=requester, subject="Outlook keeps asking for my password", description="Since this morning."
        )
    return ticket


def outbox_empty() -> None:
    from django.db import connection

    from notifications.models import Notification

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {connection.ops.quote_name(Notification._meta.db_table)}")


def rows_create(*, channel: str, count: int, ticket, tag: str, first: int) -> list[int]:
    """Bulk-create ``count`` pending outbox rows on one channel, to recipients numbered
    from ``first`` on (each recipient gets one message); returns their ids."""
    from notifications.choices import NotificationChannel, NotificationKind
    from notifications.models import Notification

    if channel == NotificationChannel.EMAIL:
        rows = [
            Notification(
                kind=NotificationKind.TICKET_CREATED,
                channel=channel,
                ticket=ticket,
                recipient=ticket.requester,
                address=f"requester.{number}@example.com",
                subject=f"[{ticket.reference}] We received your request",
                body_text=BODY_TEXT,
                body_html=BODY_HTML,
            )
            for number in range(first, first + count)
        ]
    else:
        rows = [
            Notification(
                kind=NotificationKind.ESCALATED,
                channel=channel,
                ticket=ticket,
                recipient=ticket.requester,
                address=f"+62812{number:07d}",
                body_text=SMS_TEXT,
            )
            for number in range(first, first + count)
        ]
    return [row.pk for row in Notification.objects.bulk_create(rows, batch_size=2000)]


def publish(task, argument_lists: list[tuple]) -> None:
    from helpdesk.celery import app

    for start in range(0, len(argument_lists), PUBLISH_CHUNK):
        with app.producer_or_acquire() as producer:
            for arguments_ in argument_lists[start : start + PUBLISH_CHUNK]:
                task.apply_async(arguments_, queue=QUEUE, producer=producer)


def queue_drained(redis_client) -> bool:
    with redis_client.pipeline(transaction=False) as pipe:
        pipe.llen(QUEUE)
        pipe.hlen(UNACKED_KEY)
        waiting, unacked = pipe.execute()
    return waiting == 0 and unacked == 0


def drain_timed(*, task, argument_lists: list[tuple], workers: list[Worker], redis_client) -> float:
    """Publish every task while the workers do not consume, then time how long the
    workers take to run and acknowledge them all."""
    from helpdesk.celery import app

    names = [worker.name for worker in workers]
    control_ok(
        app.control.cancel_consumer(QUEUE, destination=names, reply=True, timeout=CONTROL_TIMEOUT),
        workers,
        "pausing its consumer",
    )
    time.sleep(PAUSE_SETTLE)
    publish(task, argument_lists)
    if redis_client.llen(QUEUE) != len(argument_lists):
        raise SystemExit(f"Expected {len(argument_lists)} messages waiting, found {redis_client.llen(QUEUE)}.")
    started = time.perf_counter()
    control_ok(
        app.control.add_consumer(QUEUE, destination=names, reply=True, timeout=CONTROL_TIMEOUT),
        workers,
        "resuming its consumer",
    )
    wait_for(
        lambda: queue_drained(redis_client),
        timeout=max(120.0, len(argument_lists) / 20),
        what="the workers to drain the queue",
        workers=workers,
    )
    return time.perf_counter() - started


def workload_noop(count: int, worker: Worker, redis_client) -> float:
    from health.tasks import noop

    return drain_timed(task=noop, argument_lists=[()] * count, workers=[worker], redis_client=redis_client)


def workload_notifications(
    *,
    channel: str,
    count: int,
    batch: int,
    first: int,
    ticket,
    tag: str,
    workers: list[Worker],
    redis_client,
    problems: list[str],
) -> tuple[float, list[int]]:
    from notifications.choices import NotificationStatus
    from notifications.models import Notification
    from notifications.tasks import notification_send

    ids = rows_create(channel=channel, count=count, ticket=ticket, tag=tag, first=first)
    # One task per batch of one channel's rows, as notification_enqueue hands them over.
    seconds = drain_timed(
        task=notification_send,
        argument_lists=[(ids[start : start + batch],) for start in range(0, len(ids), batch)],
        workers=workers,
        redis_client=redis_client,
    )
    not_sent = Notification.objects.filter(pk__in=ids).exclude(status=NotificationStatus.SENT).count()
    if not_sent:
        problems.append(f"{not_sent} of {count} {channel} notifications ({tag}) not sent")
    return seconds, ids


def expected_message_ids(ids: list[int]) -> set[str]:
    from notifications.models import Notification

    return {f"<{row.delivery_key}@{MAIL_DOMAIN}>" for row in Notification.objects.filter(pk__in=ids).only("created_at")}


def main() -> int:
    args = arguments()
    if args.count <= 0 or args.rounds <= 0:
        raise SystemExit("--count and --rounds must be positive")
    # Fakes first, in fresh child processes: neither they nor the worker inherit the other's state.
    smtp = FakeProcess(FakeSmtpServer)
    gateway = FakeProcess(FakeSmsGateway)
    broker_url = os.environ.get("BENCH_NOTIFY_BROKER_URL") or DEFAULT_BROKER_URL
    os.environ["CELERY_BROKER_URL"] = broker_url
    worker = None
    try:
        database_url = django_on_bench_database("BENCH_NOTIFY_DATABASE_URL", DEFAULT_DATABASE_URL)

        import redis
        from django.conf import settings
        from django.db import connection

        from notifications.choices import NotificationChannel

        batch = args.batch or settings.HELPDESK_NOTIFICATION_BATCH
        if batch <= 0:
            raise SystemExit("--batch must be positive")

        redis_client = redis.Redis.from_url(broker_url)
        redis_client.flushdb()
        outbox_empty()
        ticket = ticket_ensure()
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
        connection.close()  # the bench waits on Redis; no idle transaction while the worker writes

        var_dir = tempfile.mkdtemp(prefix="bench-notify-")
        env = worker_env(
            database_url=database_url,
            broker_url=broker_url,
            smtp_port=smtp.port,
            gateway_url=f"http://127.0.0.1:{gateway.port}/messages",
            var_dir=var_dir,
        )
        worker = Worker(env=env, log_path=Path(var_dir) / "worker.log")
        from helpdesk.celery import app

        wait_for(
            lambda: any(worker.name in reply for reply in app.control.ping(destination=[worker.name], timeout=0.5)),
            timeout=READY_TIMEOUT,
            what="the worker to answer a ping",
            workers=[worker],
        )

        print()
        print(f"Database      {connection.settings_dict['NAME']} on PostgreSQL {server_version}; broker {broker_url}")
        print(
            f"Worker        celery worker --pool prefork --concurrency {CONCURRENCY} -Q {QUEUE}, DEBUG off, "
            "log level warning, prefetch multiplier 1, acks late"
        )
        print("Fakes         SMTP relay (aiosmtpd) and HTTP SMS gateway, each in a child process of its own")
        print(
            f"Workloads     {args.count:,} no-op tasks, {args.count:,} emails and {args.count:,} SMS (one task per "
            f"{batch} notifications of a channel, as notification_enqueue hands them over), {args.rounds} round(s) "
            f"after a warm-up of {WARMUP_TASKS} each; CPUs: {os.cpu_count()}, load: {load()}"
        )
        print()

        problems: list[str] = []

        def notifications(channel: str, *, count: int, first: int, tag: str) -> tuple[float, list[int]]:
            return workload_notifications(
                channel=channel,
                count=count,
                batch=batch,
                first=first,
                ticket=ticket,
                tag=tag,
                workers=[worker],
                redis_client=redis_client,
                problems=problems,
            )

        channels = (NotificationChannel.EMAIL, NotificationChannel.SMS)
        workload_noop(WARMUP_TASKS, worker, redis_client)
        for channel in channels:
            notifications(channel, count=WARMUP_TASKS, first=0, tag="warmup")

        timings: dict[str, list[float]] = {"noop": [], "email": [], "sms": []}
        email_ids: list[int] = []
        for round_number in range(args.rounds):
            timings["noop"].append(workload_noop(args.count, worker, redis_client))
            for channel in channels:
                first = WARMUP_TASKS + round_number * args.count
                seconds, ids = notifications(channel, count=args.count, first=first, tag=f"r{round_number}")
                timings[channel].append(seconds)
                if channel == NotificationChannel.EMAIL:
                    email_ids += ids
            print(
                f"  round {round_number + 1}: "
                + ", ".join(f"{name} {args.count / values[-1]:,.0f}/s" for name, values in timings.items()),
                flush=True,
            )

        mail = smtp.call("stats")
        received_ids = set(smtp.call("message_ids"))
        missing_mail = expected_message_ids(email_ids) - received_ids
        sms = gateway.call("stats")
        expected_mail = args.count * args.rounds + WARMUP_TASKS
        expected_sms = expected_mail
        if missing_mail:
            problems.append(f"{len(missing_mail)} email Message-IDs never reached the SMTP relay")
        if mail["unique"] != expected_mail or mail["duplicated"]:
            problems.append(f"SMTP relay: {mail}, expected {expected_mail} distinct messages received once")
        if sms["deliveries"] != expected_sms or sms["duplicated"]:
            problems.append(f"SMS gateway: {sms}, expected {expected_sms} deliveries, none twice")

        rates = {name: args.count / statistics.median(values) for name, values in timings.items()}
        print()
        header = f"{'workload':<34}  {'median s':>8}  {'per second':>10}  {'vs no-op':>8}"
        print(header)
        print("-" * len(header))
        for name, label in [
            ("noop", "no-op task (floor)"),
            ("email", "email notification via SMTP"),
            ("sms", "SMS notification via HTTP gateway"),
        ]:
            print(
                f"{label:<34}  {statistics.median(timings[name]):>8.2f}  {rates[name]:>10,.0f}  "
                f"{rates[name] / rates['noop']:>8.2f}"
            )
        print(
            f"SMTP relay: {mail['received']:,} messages on {mail['connections']:,} connections; "
            f"SMS gateway: {sms['calls']:,} calls, {sms['deliveries']:,} deliveries"
        )
        for name in ("email", "sms"):
            ratio = rates[name] / rates["noop"]
            verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
            print(f"Target: {name} rate at least {TARGET_RATIO} of the no-op rate: {verdict} ({ratio:.2f}).")
        for problem in problems:
            print(f"FAILED: {problem}", file=sys.stderr)
        return 1 if problems else 0
    finally:
        if worker is not None:
            worker.stop()
        smtp.stop()
        gateway.stop()


if __name__ == "__main__":
    sys.exit(main())
