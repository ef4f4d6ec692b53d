"""Processes one fault-injection test starts and stops itself: workers, beat, a web server
(``manage.py runserver``) and a private ``redis-server`` as the broker, supervised as a
deployment's restart policy would be (``OwnProcesses``, the ``own_processes`` fixture)."""

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
import redis
import requests

from tests.fakes import free_port
from tests.integration.processes import (
    CELERY,
    POLL_INTERVAL,
    READY_TIMEOUT,
    STOP_TIMEOUT,
    CeleryBeat,
    CeleryProcess,
    CeleryWorker,
    celery_env,
    outbox_folders,
    wait_until,
    worker_args,
)

T = TypeVar("T")
P = TypeVar("P", bound=CeleryProcess)

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
        self.mail_dir, self.sms_dir, self.var_dir = outbox_folders(root)
        self.processes: list[CeleryProcess] = []
        self._stopped: list[CeleryProcess] = []
        self._supervised: dict[CeleryProcess, Callable[[], CeleryProcess]] = {}
        self.restarts: list[str] = []
        self.redis_servers: list[RedisServer] = []

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a child: the test database and broker (unless ``extra``
        names another), mail to ``MAIL_DOMAIN`` senders, and the periodic SLA work out of
        the way unless ``extra`` sets its period (most of these tests are about the outbox)."""
        return celery_env(
            mail_dir=self.mail_dir,
            sms_dir=self.sms_dir,
            var_dir=self.var_dir,
            **{"DEFAULT_FROM_EMAIL": f"helpdesk@{MAIL_DOMAIN}", "HELPDESK_SLA_SWEEP_SECONDS": "3600", **extra},
        )

    def worker(self, name: str, *, env: dict[str, str], supervised: bool = False) -> CeleryWorker:
        """A worker like the module workers' (threads pool, concurrency 2, every queue),
        ready to consume when this returns."""

        def start() -> CeleryWorker:
            return CeleryWorker(worker_args(name), env=env, mail_dir=self.mail_dir, sms_dir=self.sms_dir)

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
