"""The Celery processes integration tests run: a ``celery`` command as a child process whose
output a thread collects, the worker (and what it delivered: mail and SMS written to files),
beat, several workers with one beat, and waiting on them; the environment and arguments a
celery child is started with."""

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

from django.conf import settings
from django.db import connection

T = TypeVar("T")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ALL_QUEUES = "notifications,periodic,celery"
CELERY = Path(sys.executable).with_name("celery")
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


def outbox_folders(root: Path) -> tuple[Path, Path, Path]:
    mail_dir, sms_dir, var_dir = root / "mail", root / "sms", root / "var"
    for folder in (mail_dir, sms_dir, var_dir):
        folder.mkdir()
    return mail_dir, sms_dir, var_dir


def celery_env(*, mail_dir: Path, sms_dir: Path, var_dir: Path, **extra: str) -> dict[str, str]:
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


def worker_args(name: str) -> list[str]:
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
