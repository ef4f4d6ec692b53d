"""Integration tests: real PostgreSQL, real Redis and real Celery processes.

Workers (and, where a test needs the schedule, beat) are child processes started once
per module. They read the test database (``test_helpdesk``) through their own
connections, so tests commit what they must see (``django_db(transaction=True)``), and
workers write mail and SMS to files that the process classes read back
(tests/integration/processes.py). Fault-injection tests start and stop processes of their
own (tests/integration/own_processes.py).
"""

import re

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.integration.own_processes import OwnProcesses
from tests.integration.processes import (
    CELERY,
    READY_TIMEOUT,
    CeleryBeat,
    CeleryWorker,
    WorkersAndBeat,
    celery_env,
    outbox_folders,
    worker_args,
)
from tests.support import broker_at

WORKER_NAME = "itest"
SLA_WORKER_NAMES = ("slaA", "slaB")


def _require_services() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("integration tests need PostgreSQL: set DATABASE_URL")
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("integration tests need Redis as the Celery broker: set CELERY_BROKER_URL")


def _heartbeats_done(workers: list[CeleryWorker]) -> int:
    return sum(len(re.findall(r"Task health\.tasks\.heartbeat\[\S+\] succeeded", worker.log)) for worker in workers)


@pytest.fixture(scope="module")
def _celery_worker(django_db_setup, tmp_path_factory):
    _require_services()
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    mail_dir, sms_dir, var_dir = outbox_folders(tmp_path_factory.mktemp("celery-worker"))
    env = celery_env(mail_dir=mail_dir, sms_dir=sms_dir, var_dir=var_dir)
    worker = CeleryWorker(worker_args(WORKER_NAME), env=env, mail_dir=mail_dir, sms_dir=sms_dir)
    try:
        worker.wait_for_line(rf"{WORKER_NAME}@\S+ ready\.", timeout=READY_TIMEOUT, what="the worker to be ready")
        # A starting worker queues a heartbeat for itself; let it land now rather than
        # in the middle of a test.
        worker.wait_for(lambda: _heartbeats_done([worker]), timeout=READY_TIMEOUT, what="the start-up heartbeat")
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def celery_worker_process(_celery_worker, reference_data):
    """The module's running worker, with empty mail and SMS folders for this test."""
    if _celery_worker.process.poll() is not None:
        raise _celery_worker.failure(f"The worker exited with code {_celery_worker.process.returncode}")
    _celery_worker.clear_outbox()
    _celery_worker.mark_test_start()
    return _celery_worker


@pytest.fixture(scope="module")
def _two_workers_and_beat(django_db_setup, tmp_path_factory):
    _require_services()
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    root = tmp_path_factory.mktemp("celery-workers-and-beat")
    mail_dir, sms_dir, var_dir = outbox_folders(root)
    env = celery_env(
        mail_dir=mail_dir,
        sms_dir=sms_dir,
        var_dir=var_dir,
        HELPDESK_SLA_SWEEP_SECONDS="1",
        HELPDESK_SWEEP_SECONDS="2",
    )
    workers = [
        CeleryWorker(worker_args(name), env=env, mail_dir=mail_dir, sms_dir=sms_dir) for name in SLA_WORKER_NAMES
    ]
    beat = CeleryBeat(
        [str(CELERY), "-A", "helpdesk", "beat", "-l", "info", "--schedule", str(root / "beat-schedule")], env=env
    )
    cluster = WorkersAndBeat(workers, beat)
    try:
        for name, worker in zip(SLA_WORKER_NAMES, workers, strict=True):
            worker.wait_for_line(rf"{name}@\S+ ready\.", timeout=READY_TIMEOUT, what=f"worker {name} to be ready")
        # Each starting worker queues a heartbeat; let both land before any test starts.
        cluster.wait_for(
            lambda: _heartbeats_done(workers) >= len(workers), timeout=READY_TIMEOUT, what="the start-up heartbeats"
        )
        cluster.wait_for(lambda: beat.sends("sla-sweep"), timeout=READY_TIMEOUT, what="beat to publish an SLA sweep")
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def two_workers_and_beat(_two_workers_and_beat, reference_data):
    """Two running workers and beat (SLA sweep every second, outbox sweep every two),
    with empty mail and SMS folders for this test."""
    _two_workers_and_beat.prepare_for_test()
    return _two_workers_and_beat


@pytest.fixture
def broker_unreachable():
    """A context manager: inside it, this process publishes to a broker that refuses connections."""
    return lambda: broker_at("redis://127.0.0.1:1/0")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    funcargs = getattr(item, "funcargs", {})
    worker = funcargs.get("celery_worker_process")
    if worker is not None:
        report.sections.append(("celery worker output during the test", worker.log_since_test_start()))
    cluster = funcargs.get("two_workers_and_beat")
    if cluster is not None:
        report.sections.append(("celery workers and beat output during the test", cluster.output_since_test_start()))
    group = funcargs.get("own_processes")
    if group is not None:
        report.sections.append(("processes started by the test", group.output()))


@pytest.fixture
def own_processes(reference_data, tmp_path):
    """Start workers, beat, a web server or a private broker for this test only; the test
    database's broker is emptied first, and everything started is stopped at the end."""
    _require_services()
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    group = OwnProcesses(tmp_path)
    try:
        yield group
    finally:
        group.stop()
