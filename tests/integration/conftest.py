"""Integration tests: real PostgreSQL, real Redis and real Celery processes.

Workers (and, where a test needs the schedule, beat) are child processes started once
per module. They read the test database (``test_helpdesk``) through their own
connections, so tests commit what they must see (``django_db(transaction=True)``), and
workers write mail and SMS to files this module's helpers read back.
"""

import email
import email.policy
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection

from tests.fakes import free_port
from tests.support import broker_at

T = TypeVar("T")
P = TypeVar("P", bound="CeleryProcess")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ALL_QUEUES = "notifications,periodic,celery"
CELERY = Path(sys.executable).with_name("celery")
WORKER_NAME = "itest"
SLA_WORKER_NAMES = ("slaA", "slaB")
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
POLL_INTERVAL = 0.05
LOG_TAIL_LINES = 200
# Django's file-based email backend ends every message with this line.
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


class CeleryProcess:
    """A ``celery`` command running as a child process; a thread collects its output."""

    def __init__(self, args: list[str], *, env: dict[str, str]) -> None:
        self.args = args
        self._lines: list[str] = []
        self._lines_lock = threading.Lock()
        self._test_start = 0
        self.process = subprocess.Popen(
            args,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._read_output, name="celery-output", daemon=True)
        self._reader.start()

    def _read_output(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._lines_lock:
                self._lines.append(line)

    @property
    def log(self) -> str:
        with self._lines_lock:
            return "".join(self._lines)

    def log_since_test_start(self) -> str:
        with self._lines_lock:
            return "".join(self._lines[self._test_start :])

    def mark_test_start(self) -> None:
        with self._lines_lock:
            self._test_start = len(self._lines)

    def _log_tail(self) -> str:
        with self._lines_lock:
            return "".join(self._lines[-LOG_TAIL_LINES:])

    def failure(self, message: str) -> AssertionError:
        return AssertionError(f"{message}\n--- celery output ({' '.join(self.args[1:])}) ---\n{self._log_tail()}")

    def wait_for(self, predicate: Callable[[], T], timeout: float = 15.0, what: str = "") -> T:
        """Poll ``predicate`` until it returns something truthy and return that; fail with
        the process output when the deadline passes or the process exits."""
        return wait_until(predicate, processes=[self], timeout=timeout, what=what)

    def wait_for_line(self, pattern: str, timeout: float, what: str) -> re.Match:
        compiled = re.compile(pattern)
        return self.wait_for(lambda: compiled.search(self.log), timeout=timeout, what=what)

    def lines_since_test_start(self) -> int:
        """How many lines the process has written since the test started (a checkpoint)."""
        with self._lines_lock:
            return len(self._lines) - self._test_start

    def terminate(self) -> None:
        """Ask the process to shut down warmly, without waiting for it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)
        self._reader.join(timeout=STOP_TIMEOUT)


class CeleryWorker(CeleryProcess):
    """The worker, and what it delivered: mail files in ``mail_dir``, SMS files in ``sms_dir``."""

    def __init__(self, args: list[str], *, env: dict[str, str], mail_dir: Path, sms_dir: Path) -> None:
        super().__init__(args, env=env)
        self.mail_dir = mail_dir
        self.sms_dir = sms_dir

    def clear_outbox(self) -> None:
        for folder in (self.mail_dir, self.sms_dir):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)

    def emails(self, *, to: str | None = None, reference: str | None = None) -> list[EmailMessage]:
        """Every complete message the worker wrote, optionally only those to one address
        or about one ticket."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log")):
            # The last chunk is empty, or a message still being written.
            for chunk in path.read_bytes().split(MAIL_SEPARATOR)[:-1]:
                message = email.message_from_bytes(chunk, policy=email.policy.default)
                if to is not None and to not in message.get_all("To", []):
                    continue
                if reference is not None and message["X-Helpdesk-Ticket"] != reference:
                    continue
                messages.append(message)
        return messages

    def sms(self, *, to: str | None = None) -> list[dict]:
        """Every SMS the worker wrote (the backend renames a file into place when complete)."""
        records = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(self.sms_dir.glob("*.json"))]
        return [record for record in records if to is None or record["to"] == to]

    def task_results(self, *task_ids: str) -> dict[str, str]:
        """The logged return value of each of these tasks that has finished."""
        log = self.log
        results = {}
        for task_id in task_ids:
            match = re.search(rf"\[{re.escape(task_id)}\] succeeded in \S+s: (.*)$", log, re.MULTILINE)
            if match:
                results[task_id] = match.group(1)
        return results

    def task_returns(self, task: str, *, after_line: int = 0) -> list[str]:
        """The logged return values of every run of ``task`` (a dotted task name) that
        finished since the test started, skipping the first ``after_line`` lines."""
        with self._lines_lock:
            lines = self._lines[self._test_start + after_line :]
        pattern = re.compile(rf"Task {re.escape(task)}\[\S+\] succeeded in \S+s: (.*)$")
        return [match.group(1) for line in lines if (match := pattern.search(line))]


class CeleryBeat(CeleryProcess):
    """``celery beat``, publishing the periodic tasks of CELERY_BEAT_SCHEDULE."""

    def sends(self, entry: str) -> int:
        """How many times beat has published the schedule entry named ``entry`` so far."""
        return len(re.findall(rf"Sending due task {re.escape(entry)} ", self.log))


class WorkersAndBeat:
    """Several workers sharing one mail folder and one SMS folder, and one beat."""

    def __init__(self, workers: list[CeleryWorker], beat: CeleryBeat) -> None:
        self.workers = workers
        self.beat = beat
        self.processes: list[CeleryProcess] = [*workers, beat]

    def wait_for(self, predicate: Callable[[], T], timeout: float = 15.0, what: str = "") -> T:
        return wait_until(predicate, processes=self.processes, timeout=timeout, what=what)

    def emails(self, **filters) -> list[EmailMessage]:
        # The folders are shared: any worker reads what every worker delivered.
        return self.workers[0].emails(**filters)

    def sms(self, **filters) -> list[dict]:
        return self.workers[0].sms(**filters)

    def task_results(self, *task_ids: str) -> dict[str, str]:
        """The logged return value of each of these tasks that has finished, whichever
        worker ran it."""
        results: dict[str, str] = {}
        for worker in self.workers:
            results.update(worker.task_results(*task_ids))
        return results

    def checkpoint(self) -> list[int]:
        """Where each worker's output stands now, for ``task_returns(after=...)``."""
        return [worker.lines_since_test_start() for worker in self.workers]

    def task_returns(self, task: str, *, after: list[int] | None = None) -> list[list[str]]:
        """Per worker, the return values of the runs of ``task`` that finished since the
        test started (or since ``after``, a checkpoint)."""
        after = after or [0] * len(self.workers)
        return [worker.task_returns(task, after_line=line) for worker, line in zip(self.workers, after, strict=True)]

    def prepare_for_test(self) -> None:
        for process in self.processes:
            if process.process.poll() is not None:
                raise process.failure(f"celery exited with code {process.process.returncode}")
        self.workers[0].clear_outbox()
        for process in self.processes:
            process.mark_test_start()

    def output_since_test_start(self) -> str:
        return "\n".join(
            f"--- {' '.join(process.args[1:])} ---\n{process.log_since_test_start()}" for process in self.processes
        )

    def stop(self) -> None:
        # Beat first, so nothing new is published while the workers drain.
        self.beat.stop()
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            worker.stop()


def wait_until(
    predicate: Callable[[], T], *, processes: list[CeleryProcess], timeout: float = 15.0, what: str = ""
) -> T:
    """Poll ``predicate`` until it returns something truthy and return that; fail with the
    output of the first process that exited, or of them all when the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        for process in processes:
            if process.process.poll() is not None:
                raise process.failure(f"celery exited with code {process.process.returncode} while waiting for {what}")
        if time.monotonic() >= deadline:
            message = f"Waited {timeout:.0f} s for {what or predicate!r}"
            if len(processes) == 1:
                raise processes[0].failure(message)
            raise AssertionError("\n".join([message, *(str(process.failure("")) for process in processes)]))
        time.sleep(POLL_INTERVAL)


def _database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database this test process uses (the test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    credentials = user + (f":{password}" if password else "")
    host = quote(settings_dict.get("HOST") or "", safe="")
    port = settings_dict.get("PORT")
    netloc = (f"{credentials}@" if credentials else "") + host + (f":{port}" if port else "")
    return f"postgres://{netloc}/{quote(settings_dict['NAME'], safe='')}"


def _require_services() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("integration tests need PostgreSQL: set DATABASE_URL")
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("integration tests need Redis as the Celery broker: set CELERY_BROKER_URL")


def _outbox_folders(root: Path) -> tuple[Path, Path, Path]:
    mail_dir, sms_dir, var_dir = root / "mail", root / "sms", root / "var"
    for folder in (mail_dir, sms_dir, var_dir):
        folder.mkdir()
    return mail_dir, sms_dir, var_dir


def _celery_env(*, mail_dir: Path, sms_dir: Path, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a celery child: the test database, the test broker, and mail
    and SMS written to files in the given folders."""
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SMS_BACKEND": "notifications.sms.filebased.SmsBackend",
        "SMS_FILE_PATH": str(sms_dir),
        "HELPDESK_VAR_DIR": str(var_dir),
        **extra,
    }


def _worker_args(name: str) -> list[str]:
    return [
        str(CELERY),
        "-A",
        "helpdesk",
        "worker",
        "-l",
        "info",
        "--pool=threads",
        "--concurrency",
        "2",
        "-n",
        f"{name}@%h",
        "-Q",
        ALL_QUEUES,
        # Workers need nothing from each other at startup (no revoked tasks to share),
        # and gossip would only add broker traffic.
        "--without-mingle",
        "--without-gossip",
    ]


def _heartbeats_done(workers: list[CeleryWorker]) -> int:
    return sum(len(re.findall(r"Task health\.tasks\.heartbeat\[\S+\] succeeded", worker.log)) for worker in workers)


@pytest.fixture(scope="module")
def _celery_worker(django_db_setup, tmp_path_factory):
    _require_services()
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    mail_dir, sms_dir, var_dir = _outbox_folders(tmp_path_factory.mktemp("celery-worker"))
    env = _celery_env(mail_dir=mail_dir, sms_dir=sms_dir, var_dir=var_dir)
    worker = CeleryWorker(_worker_args(WORKER_NAME), env=env, mail_dir=mail_dir, sms_dir=sms_dir)
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
    mail_dir, sms_dir, var_dir = _outbox_folders(root)
    env = _celery_env(
        mail_dir=mail_dir,
        sms_dir=sms_dir,
        var_dir=var_dir,
        HELPDESK_SLA_SWEEP_SECONDS="1",
        HELPDESK_SWEEP_SECONDS="2",
    )
    workers = [
        CeleryWorker(_worker_args(name), env=env, mail_dir=mail_dir, sms_dir=sms_dir) for name in SLA_WORKER_NAMES
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


# --- fault injection: fake outside services, and processes each test starts and stops itself

MAIL_DOMAIN = "faults.example"
WEB_READY_TIMEOUT = 30.0
REDIS_SERVER = shutil.which("redis-server")


class WebServer(CeleryProcess):
    """``manage.py runserver`` as a child process (the same output plumbing as celery's)."""

    def __init__(self, *, port: int, env: dict[str, str]) -> None:
        super().__init__([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], env=env)
        self.url = f"http://127.0.0.1:{port}"

    def answers(self) -> bool:
        try:
            return requests.get(f"{self.url}/accounts/login/", timeout=2).status_code == 200
        except requests.RequestException:
            return False


class RedisServer:
    """A private ``redis-server`` on a free port, without persistence: stopping it loses
    every queued message and every binding, the worst a broker restart can do."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._root = root
        self._log = root / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start (again) on the same port."""
        assert REDIS_SERVER is not None
        with self._log.open("a") as log:
            self.process = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                cwd=self._root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"redis-server did not start on port {self.port}:\n{self._log.read_text()}")
            time.sleep(POLL_INTERVAL)

    def answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """SIGTERM: Redis exits at once, and with no persistence keeps nothing."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=STOP_TIMEOUT)
        self.process = None


class OwnProcesses:
    """Workers, beat, a web server and a broker that one test starts; all stopped when it
    ends. ``wait_for`` fails early when one of them exits, unless the test stopped it or
    it is supervised: a supervised process that exits is started again, as the restart
    policy of a deployment would (docker-compose.yml), and the exit is kept in
    ``restarts``."""

    mail_domain = MAIL_DOMAIN

    def __init__(self, root: Path) -> None:
        self.root = root
        self.mail_dir, self.sms_dir, self.var_dir = _outbox_folders(root)
        self.processes: list[CeleryProcess] = []
        self._stopped: list[CeleryProcess] = []
        self._supervised: dict[CeleryProcess, Callable[[], CeleryProcess]] = {}
        self.restarts: list[str] = []
        self.redis_servers: list[RedisServer] = []

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a child: the test database and broker (unless ``extra``
        names another), mail to ``MAIL_DOMAIN`` senders, and the periodic SLA work out of
        the way (these tests are about the outbox)."""
        return _celery_env(
            mail_dir=self.mail_dir,
            sms_dir=self.sms_dir,
            var_dir=self.var_dir,
            DEFAULT_FROM_EMAIL=f"helpdesk@{MAIL_DOMAIN}",
            HELPDESK_SLA_SWEEP_SECONDS="3600",
            **extra,
        )

    def worker(self, name: str, *, env: dict[str, str], supervised: bool = False) -> CeleryWorker:
        """A worker like the module workers' (threads pool, concurrency 2, every queue),
        ready to consume when this returns."""

        def start() -> CeleryWorker:
            return CeleryWorker(_worker_args(name), env=env, mail_dir=self.mail_dir, sms_dir=self.sms_dir)

        worker = self._start(start, supervised=supervised)
        worker.wait_for_line(rf"{name}@\S+ ready\.", timeout=READY_TIMEOUT, what=f"worker {name} to be ready")
        return worker

    def beat(self, *, env: dict[str, str], supervised: bool = False) -> CeleryBeat:
        schedule = self.root / "beat-schedule"

        def start() -> CeleryBeat:
            return CeleryBeat(
                [str(CELERY), "-A", "helpdesk", "beat", "-l", "info", "--schedule", str(schedule)], env=env
            )

        return self._start(start, supervised=supervised)

    def _start(self, start: Callable[[], P], *, supervised: bool) -> P:
        process = start()
        self.processes.append(process)
        if supervised:
            self._supervised[process] = start
        return process

    def _restart_exited(self) -> None:
        for process, start in list(self._supervised.items()):
            if process.process.poll() is not None:
                del self._supervised[process]
                self._stopped.append(process)
                self.restarts.append(f"{' '.join(process.args[1:])} exited with code {process.process.returncode}")
                self._start(start, supervised=True)

    def web_server(self, *, env: dict[str, str]) -> WebServer:
        server = WebServer(port=free_port(), env=env)
        self.processes.append(server)
        self.wait_for(server.answers, timeout=WEB_READY_TIMEOUT, what="the web server to answer")
        return server

    def redis_server(self) -> RedisServer:
        if REDIS_SERVER is None:
            pytest.skip("this test starts its own broker: install redis-server")
        server = RedisServer(self.root)
        self.redis_servers.append(server)
        server.start()
        return server

    def kill(self, process: CeleryProcess) -> None:
        """SIGKILL: no warm shutdown, nothing acknowledged or written back."""
        self._stopped.append(process)
        process.process.kill()
        process.process.wait(timeout=STOP_TIMEOUT)

    def wait_for(self, predicate: Callable[[], T], timeout: float = 15.0, what: str = "") -> T:
        watched = [process for process in self.processes if process not in self._stopped]
        unsupervised = [process for process in watched if process not in self._supervised]

        def supervised_predicate() -> T:
            self._restart_exited()
            return predicate()

        return wait_until(supervised_predicate, processes=unsupervised, timeout=timeout, what=what)

    def output(self) -> str:
        return "\n".join(f"--- {' '.join(process.args[1:])} ---\n{process.log}" for process in self.processes)

    def stop(self) -> None:
        for process in reversed(self.processes):  # beat before the workers it feeds
            process.terminate()
        for process in reversed(self.processes):
            process.stop()
        for server in self.redis_servers:
            server.stop()


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
