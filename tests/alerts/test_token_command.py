"""``manage.py alerts_token``: the operator's way to a token for the monitoring account."""

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import ApiToken
from alerts.services import monitoring_account
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("alerts_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_the_printed_token_posts_alerts_as_the_monitoring_account(django_capture_on_commit_callbacks):
    key, said = _run("--name", "Alertmanager <prod> & 🔥")

    token = ApiToken.objects.get()
    assert token.user == monitoring_account() and token.name == "Alertmanager <prod> & 🔥"
    assert "shown only now" in said and key not in said
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    alert = {"alerts": [{"key": "web-01-down", "status": "firing", "name": "InstanceDown", "severity": "critical"}]}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/v1/alerts/generic/", alert, format="json").status_code == 202
    ticket = Ticket.objects.get()
    assert ticket.requester == monitoring_account() and ticket.level == 2 and ticket.priority == 1


def test_each_run_adds_a_token_and_the_account_stays_one():
    first, _said = _run()
    second, _said = _run()
    assert first != second
    assert ApiToken.objects.filter(user=monitoring_account()).count() == 2


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_name_that_cannot_be_kept_is_refused_and_nothing_is_made(name):
    with pytest.raises(CommandError, match="1 to 80 characters"):
        _run("--name", name)
    assert not ApiToken.objects.exists()


def test_revoking_stops_every_token_of_the_monitoring_account_at_once():
    key, _said = _run()
    _run("--name", "Zabbix")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    alert = {"alerts": [{"key": "k", "status": "firing", "name": "Down"}]}

    said, _err = _run("--revoke")

    assert said == "2 tokens revoked."
    assert client.post("/api/v1/alerts/generic/", alert, format="json").status_code == 401
    assert not Ticket.objects.exists()
