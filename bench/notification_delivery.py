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
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support.celery_worker import QUEUE, READY_TIMEOUT, Worker, drain_timed, wait_for, worker_env  # noqa: E402
from bench.support.database import django_on_bench_database  # noqa: E402
from bench.support.machine import load  # noqa: E402
from bench.support.outbox import expected_message_ids, outbox_empty, rows_create, ticket_ensure  # noqa: E402
from tests.fakes import FakeProcess  # noqa: E402
from tests.fakes.sms_gateway import FakeSmsGateway  # noqa: E402
from tests.fakes.smtp import FakeSmtpServer  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_notify"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/12"
WORKER_NAME = "bench-notify"
CONCURRENCY = 2
TARGET_RATIO = 0.5
WARMUP_TASKS = 200


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
        worker = Worker(env=env, log_path=Path(var_dir) / "worker.log", name=WORKER_NAME, concurrency=CONCURRENCY)
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
