"""The web server a bench drives: gunicorn started as production runs it (gunicorn.conf.py)
with production settings but plain HTTP on the loopback address, waited for until it serves
the API, stopped; and plain HTTP requests to it."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Production settings, but plain HTTP on the loopback address and throttles that never bite
# (a per-second window keeps DRF's per-user request history short).
SERVER_ENVIRONMENT = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_HSTS_SECONDS": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "HELPDESK_API_USER_RATE": "1000000/second",
    "HELPDESK_API_ANON_RATE": "1000000/second",
    "LOG_LEVEL": "WARNING",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(database_url: str, broker_url: str, cache_url: str, var_dir: str) -> dict[str, str]:
    return {
        **SERVER_ENVIRONMENT,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "HELPDESK_CACHE_URL": cache_url,
        "HELPDESK_VAR_DIR": var_dir,
    }


def server_start(*, port: int, workers: int, threads: int, environment: dict[str, str], log: Path):
    # gunicorn.conf.py, as in production, with its knobs set to the workers and threads asked for.
    command = [sys.executable, "-m", "gunicorn", "helpdesk.wsgi", "--config", str(ROOT / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    if threads == 1:
        command += ["--worker-class", "sync"]
    knobs = {"WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": str(threads)}
    with log.open("w") as output:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **environment, **knobs},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def server_stop(process) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def http(method: str, url: str, key: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (our loopback server)
    request.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own loopback server)
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {"error": error.read()[:500].decode(errors="replace")}


def server_wait(process, base: str, key: str, log: Path, *, name: str = "gunicorn") -> None:
    """Wait until ``process`` (gunicorn, or a proxy in front of it) serves the API at ``base``."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            status, _body = http("GET", f"{base}/api/v1/categories/", key)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{name} did not answer within 60 s:\n{log.read_text()[-3000:]}")
