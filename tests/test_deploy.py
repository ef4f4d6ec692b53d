"""Production settings: Django's deployment checks pass, and a missing secret key stops start-up."""

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"
SETTINGS = ROOT / "helpdesk" / "settings.py"


def production_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """A small environment for a subprocess: only what production would set, plus PATH
    and the database the suite runs against."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "helpdesk.example.com",
        # Keeps the settings' start-up folders (the filesystem broker) out of the checkout.
        "HELPDESK_VAR_DIR": str(var_dir),
    }
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MANAGE), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_deployment_checks_pass_without_warnings_in_production(tmp_path):
    env = production_env(tmp_path, SECRET_KEY=secrets.token_urlsafe(64))

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in result.stdout, output
    assert "WARNING" not in output
    assert "security.W" not in output


def test_manage_refuses_to_start_in_production_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_importing_settings_in_production_without_a_secret_key_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("DEBUG", "0")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("HELPDESK_VAR_DIR", str(tmp_path))

    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        runpy.run_path(str(SETTINGS))


def test_production_refuses_the_development_secret_key_given_explicitly(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DEBUG", "1")
    monkeypatch.setenv("HELPDESK_VAR_DIR", str(tmp_path))
    development_key = runpy.run_path(str(SETTINGS))["SECRET_KEY"]
    monkeypatch.setenv("DEBUG", "0")
    monkeypatch.setenv("SECRET_KEY", development_key)

    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        runpy.run_path(str(SETTINGS))


def test_production_refuses_an_empty_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("DEBUG", "0")
    monkeypatch.setenv("SECRET_KEY", "")
    monkeypatch.setenv("HELPDESK_VAR_DIR", str(tmp_path))

    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        runpy.run_path(str(SETTINGS))


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        (
            {"WEB_CONCURRENCY": "3", "GUNICORN_THREADS": "5"},
            {"workers": "3", "threads": "5", "worker_connections": "7"},
        ),
        ({}, {"workers": str(len(os.sched_getaffinity(0))), "threads": "4", "worker_connections": "6"}),
    ],
)
def test_gunicorn_runs_threaded_workers_that_hold_two_connections_more_than_threads(environment, expected):
    """A worker that took every kept-alive connection would leave the others idle."""
    result = subprocess.run(
        [Path(sys.executable).with_name("gunicorn"), "--print-config", "helpdesk.wsgi"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    config = dict(line.split(" = ", 1) for line in result.stdout.splitlines() if " = " in line)
    config = {name.strip(): value.strip() for name, value in config.items()}
    assert config["worker_class"] == "gthread"
    assert config["worker_tmp_dir"] == "/dev/shm"
    assert {name: config[name] for name in expected} == expected
