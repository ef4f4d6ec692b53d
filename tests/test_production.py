"""Production as the image runs it: a virtualenv of requirements.txt alone, the Dockerfile's
static build step read from the Dockerfile, a fresh PostgreSQL database migrated with the
command docker-compose.yml runs, and gunicorn with gunicorn.conf.py, DEBUG off, PostgreSQL
and Redis (broker and shared cache). A person signs in and opens their ticket through the
TLS-terminating proxy's header, with production's security settings left on.
"""

import fcntl
import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import pytest
import requests
import yaml
from django.conf import settings
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
HOST = "helpdesk.example.com"
PASSWORD = "a-long-production-password"
SUBJECT = "Printer on the third floor jams on every page"
READY_TIMEOUT = 60.0
POLL_INTERVAL = 0.1


def dockerfile_instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (keyword, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def dockerfile_environment() -> dict[str, str]:
    environment = {}
    for keyword, arguments in dockerfile_instructions():
        if keyword == "ENV":
            environment.update(pair.split("=", 1) for pair in shlex.split(arguments))
    return environment


def dockerfile_static_build_step() -> str:
    (step,) = [
        arguments
        for keyword, arguments in dockerfile_instructions()
        if keyword == "RUN" and "collectstatic" in arguments
    ]
    return step


def dockerfile_command() -> list[str]:
    (command,) = [json.loads(arguments) for keyword, arguments in dockerfile_instructions() if keyword == "CMD"]
    return command


def compose_command(service: str) -> list[str]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][service]["command"]


def runtime_virtualenv() -> Path:
    """A virtualenv holding requirements.txt alone, kept in the system's temporary folder
    under the hash of that file and of this Python, so reruns reuse it. Runs that start at
    once (other checkouts too) take turns through a lock; a half-built one is rebuilt."""
    key = hashlib.sha256(REQUIREMENTS.read_bytes() + sys.version.encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / f"helpdesk-runtime-{key}"
    with open(f"{folder}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "complete").exists():
            shutil.rmtree(folder, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
            installed = subprocess.run(
                [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)],
                env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
                capture_output=True,
                text=True,
                timeout=900,
            )
            assert installed.returncode == 0, installed.stdout + installed.stderr
            (folder / "complete").touch()
    return folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def services() -> tuple[dict, str]:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the production run needs PostgreSQL: set DATABASE_URL")
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("the production run needs Redis: set CELERY_BROKER_URL")
    return database, settings.CELERY_BROKER_URL


@pytest.fixture(scope="module")
def database_url(services) -> Iterator[str]:
    """A new, empty PostgreSQL database on the suite's server, dropped afterwards."""
    database, _broker = services
    name = f"helpdesk_production_{secrets.token_hex(4)}"
    server = {
        "host": database["HOST"] or None,
        "port": database["PORT"] or None,
        "user": database["USER"] or None,
        "password": database["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    yield f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@dataclass
class Production:
    url: str
    var_dir: Path
    reference: str
    log: Path


def run(command: list[str] | str, *, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command, shell=isinstance(command, str), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def production(services, database_url, tmp_path_factory) -> Iterator[Production]:
    _database, broker_url = services
    virtualenv = runtime_virtualenv()
    var_dir = tmp_path_factory.mktemp("production-var")
    base = {
        **dockerfile_environment(),
        "PATH": f"{virtualenv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(var_dir),
        "HELPDESK_VAR_DIR": str(var_dir),
    }

    # The image's build step, word for word, with the shell Docker runs it in.
    run(["/bin/sh", "-c", dockerfile_static_build_step()], env=base, timeout=300)

    runtime = {
        **base,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "HELPDESK_CACHE_URL": broker_url,
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
    }
    run(compose_command("migrate"), env=runtime, timeout=300)
    # The requester and their ticket, through the services; the acknowledgement is sent
    # in-process to a file, so no task waits on the suite's broker afterwards.
    created = run(
        [
            "python",
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model\n"
            "from accounts.choices import Role\n"
            "from accounts.services import user_set_role\n"
            "from tickets.choices import Urgency\n"
            "from tickets.services import ticket_create\n"
            f"user = get_user_model().objects.create_user('requester', 'requester@example.com', {PASSWORD!r})\n"
            "user_set_role(user=user, role=Role.REQUESTER)\n"
            f"ticket = ticket_create(requester=user, subject={SUBJECT!r}, description='Since this morning.',"
            " urgency=Urgency.HIGH)\n"
            "from accounts.models import SupportLevel\n"
            "from assets.services import asset_create\n"
            "from vendors.models import Vendor\n"
            f"agent = get_user_model().objects.create_user('agent', 'agent@example.com', {PASSWORD!r})\n"
            "user_set_role(user=agent, role=Role.AGENT)\n"
            "SupportLevel.objects.get(number=3).members.add(agent)\n"
            "asset_create(by=agent, values={'tag': 'PC-0042', 'asset_type': 'pc', 'name': 'Finance PC'})\n"
            "Vendor.objects.create(name='Toner & Co <Jakarta>')\n"
            "print(ticket.reference)\n",
        ],
        env={**runtime, "CELERY_BROKER_URL": "memory://", "CELERY_TASK_ALWAYS_EAGER": "1"},
        timeout=120,
    )
    reference = created.stdout.strip().splitlines()[-1]

    port = free_port()
    command = dockerfile_command()
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    log = var_dir / "gunicorn.log"
    with open(log, "w") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=runtime, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            assert server.poll() is None, f"gunicorn exited with {server.returncode}:\n{log.read_text()}"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, (
                    f"gunicorn did not listen within {READY_TIMEOUT:.0f} s:\n{log.read_text()}"
                )
                time.sleep(POLL_INTERVAL)
        yield Production(url=f"http://127.0.0.1:{port}", var_dir=var_dir, reference=reference, log=log)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


class Browser:
    """Requests as a browser sends them through the proxy: the public host, HTTPS in
    X-Forwarded-Proto, and the cookies kept here, since a client keeps Secure cookies
    only for HTTPS addresses and this connection is plain HTTP."""

    def __init__(self, url: str):
        self.url = url
        self.cookies: dict[str, str] = {}
        self.set_cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, https: bool = True, **kwargs) -> requests.Response:
        headers = {"Host": HOST, **kwargs.pop("headers", {})}
        if https:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = requests.request(
            method, self.url + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        for header in response.raw.headers.getlist("Set-Cookie"):
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
                self.set_cookies[name] = header
        return response


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "the form carries a CSRF token"
    return match[1]


def sign_in(browser: Browser, username: str = "requester") -> requests.Response:
    form = browser.request("GET", "/accounts/login/")
    assert form.status_code == 200
    return browser.request(
        "POST",
        "/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf_token(form.text)},
        headers={"Origin": f"https://{HOST}", "Referer": f"https://{HOST}/accounts/login/"},
    )


def test_gunicorn_runs_with_gunicorn_conf_py(production):
    assert "Using worker: gthread" in production.log.read_text()


def test_the_sign_in_page_answers_over_https_and_plain_http_is_sent_there(production):
    browser = Browser(production.url)

    page = browser.request("GET", "/accounts/login/")
    plain = browser.request("GET", "/accounts/login/", https=False)

    assert page.status_code == 200
    assert 'name="username"' in page.text
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://{HOST}/accounts/login/"


def test_signing_in_sets_secure_cookies_and_opens_the_ticket_page(production):
    browser = Browser(production.url)

    signed_in = sign_in(browser)

    assert signed_in.status_code == 302, signed_in.text
    assert "sessionid" in browser.cookies
    for name in ("sessionid", "csrftoken"):
        assert "Secure" in browser.set_cookies[name]
    assert "HttpOnly" in browser.set_cookies["sessionid"]
    ticket = browser.request("GET", f"/tickets/{production.reference}/")
    assert ticket.status_code == 200
    assert production.reference in ticket.text
    assert SUBJECT in ticket.text


def test_a_wrong_password_does_not_sign_in(production):
    browser = Browser(production.url)
    form = browser.request("GET", "/accounts/login/")

    refused = browser.request(
        "POST",
        "/accounts/login/",
        data={"username": "requester", "password": "not-it", "csrfmiddlewaretoken": csrf_token(form.text)},
        headers={"Origin": f"https://{HOST}", "Referer": f"https://{HOST}/accounts/login/"},
    )

    assert refused.status_code == 200
    assert "sessionid" not in browser.cookies
    assert browser.request("GET", f"/tickets/{production.reference}/").status_code == 302


def test_static_files_are_served_under_their_hashed_manifest_names(production):
    manifest = json.loads((production.var_dir / "staticfiles" / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/app.css"]
    assert hashed != "css/app.css"
    browser = Browser(production.url)
    assert f"/static/{hashed}" in browser.request("GET", "/accounts/login/").text

    served = browser.request("GET", f"/static/{hashed}")

    assert served.status_code == 200
    assert served.content == (production.var_dir / "staticfiles" / hashed).read_bytes()
    assert "immutable" in served.headers["Cache-Control"]
    chart = browser.request("GET", f"/static/{manifest['vendor/chartjs/chart.umd.min.js']}")
    assert chart.status_code == 200


@pytest.mark.parametrize(
    "path, shows",
    [
        ("/queue/", "HD-"),
        ("/assets/", "PC-0042"),
        ("/assets/PC-0042/", "Finance PC"),
        ("/assets/new/", 'name="tag"'),
        ("/maintenance/", "maintenance"),
        ("/component-reports/", "omponent"),
        ("/procurement/", "rocurement"),
        ("/procurement/new/", 'name="reason"'),
        ("/vendors/", "Toner &amp; Co &lt;Jakarta&gt;"),
    ],
)
def test_the_it_operations_pages_open_for_an_agent_with_debug_off(production, path, shows):
    browser = Browser(production.url)
    assert sign_in(browser, "agent").status_code == 302

    page = browser.request("GET", path)

    assert page.status_code == 200, page.text[:2000]
    assert shows in page.text
    assert "/static/css/app.css" not in page.text, "static files are named by their manifest hash"
