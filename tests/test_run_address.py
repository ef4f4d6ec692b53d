"""`make run` listens where HELPDESK_HOST and HELPDESK_PORT say, prints that address, and
the links in mail follow it unless HELPDESK_BASE_URL names another."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail

from tests.factories import make_requester
from tickets.services import ticket_create

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("HELPDESK_HOST", "HELPDESK_PORT", "HELPDESK_BASE_URL")


def planned_run(**variables: str) -> str:
    """The commands `make run` would run (make -n runs none of them)."""
    environment = {
        name: value for name, value in os.environ.items() if name not in NAMES and not name.startswith("MAKE")
    }
    environment.update(variables)
    result = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return result.stdout


def honcho_environment(plan: str) -> dict[str, str]:
    line = plan[plan.index('HELPDESK_HOST="') :].split("honcho start")[0].replace("\\\n", " ")
    return {name: value for name, _eq, value in (word.partition("=") for word in shlex.split(line)) if name in NAMES}


def test_by_default_it_is_the_local_address_on_port_8000():
    plan = planned_run()
    assert 'echo "  Helpdesk:  http://127.0.0.1:8000/"' in plan
    assert honcho_environment(plan) == {
        "HELPDESK_HOST": "127.0.0.1",
        "HELPDESK_PORT": "8000",
        "HELPDESK_BASE_URL": "http://127.0.0.1:8000",
    }


def test_another_port_moves_the_printed_address_and_the_links_in_mail():
    plan = planned_run(HELPDESK_PORT="8123")
    assert "http://127.0.0.1:8123/" in plan
    assert honcho_environment(plan) == {
        "HELPDESK_HOST": "127.0.0.1",
        "HELPDESK_PORT": "8123",
        "HELPDESK_BASE_URL": "http://127.0.0.1:8123",
    }


def test_a_base_url_of_its_own_wins_for_the_links():
    plan = planned_run(HELPDESK_HOST="localhost", HELPDESK_PORT="9000", HELPDESK_BASE_URL="https://help.example.com")
    assert "http://localhost:9000/" in plan
    assert honcho_environment(plan)["HELPDESK_BASE_URL"] == "https://help.example.com"


def test_the_web_process_listens_on_that_host_and_port():
    [web] = [line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")]
    command = web.removeprefix("web:").strip()
    shown = subprocess.run(
        ["bash", "-c", f"echo {command}"],
        env={"PATH": os.environ["PATH"], "HELPDESK_HOST": "127.0.0.1", "HELPDESK_PORT": "8123"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.split()[-1] == "127.0.0.1:8123"


def test_settings_take_the_base_url_without_a_trailing_slash(tmp_path):
    environment = {**os.environ, "HELPDESK_BASE_URL": "http://127.0.0.1:8123/", "HELPDESK_VAR_DIR": str(tmp_path)}
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.HELPDESK_BASE_URL)",
        ],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "helpdesk.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == "http://127.0.0.1:8123"


@pytest.mark.django_db
def test_links_in_mail_start_with_the_base_url(settings, django_capture_on_commit_callbacks):
    settings.HELPDESK_BASE_URL = "http://127.0.0.1:8123"
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(requester=make_requester(), subject="Printer", description="Jammed", urgency="low")
    [message] = [m for m in mail.outbox if ticket.reference in m.subject]
    assert f"http://127.0.0.1:8123/tickets/{ticket.reference}/" in message.body
