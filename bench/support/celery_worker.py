"""Celery workers a bench starts and drives: ``celery -A helpdesk worker -Q notifications``
as a child process with the bench's environment (DEBUG off, mail to an SMTP relay, SMS to an
HTTP gateway), waited for, paused and resumed by remote control; tasks published while the
workers do not consume, and the time the workers take to run and acknowledge them all."""

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

from kombu.transport.redis import Transport as RedisTransport

from bench.support.outbox import MAIL_DOMAIN
from tests.fakes.sms_gateway import BODY_TEMPLATE, IDEMPOTENCY_HEADER

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "notifications"
READY_TIMEOUT = 60.0
CONTROL_TIMEOUT = 5.0
POLL_INTERVAL = 0.01
# Kombu's Redis transport keeps delivered but unacknowledged messages in this hash.
UNACKED_KEY = "unacked"
# A worker whose consumer was just paused may still wait in a BRPOP it sent before: it would
# take a message published meanwhile and put it back. This long, and every such BRPOP is over.
PAUSE_SETTLE = RedisTransport.brpop_timeout + 0.2
PUBLISH_CHUNK = 1000


class Worker:
    """A celery worker under test, a child process writing its log to a file. Several run
    side by side under names of their own; ``concurrency=None`` leaves the pool at Celery's
    default (one process per CPU), as docker-compose.yml runs it."""

    def __init__(self, *, env: dict[str, str], log_path: Path, name: str, concurrency: int | None) -> None:
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
