"""bench/scale_out.py's workers section: 1, 2, 4… Celery worker processes as docker-compose.yml
runs them drain bulk-created email outbox rows to a fake SMTP relay, the other workers
paused; every message must reach the relay exactly once."""

import contextlib
from pathlib import Path

from bench.support.celery_worker import (
    CONTROL_TIMEOUT,
    QUEUE,
    READY_TIMEOUT,
    Worker,
    control_ok,
    drain_timed,
    wait_for,
    worker_env,
)
from bench.support.machine import load
from bench.support.outbox import expected_message_ids, outbox_empty, rows_create, ticket_ensure
from bench.support.scale_out_figures import CORES, Backends, Cpu, Measured, Meter, cpu_table, verdict
from tests.fakes import FakeProcess
from tests.fakes.smtp import FakeSmtpServer

WORKER_NAME = "bench-scale"
# The parts of the set-up this section's figures name, by their field in Cpu.
WORKER_PARTS = {"server": "the workers", "relay": "the relay", "database": "PostgreSQL", "broker": "Redis"}


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
