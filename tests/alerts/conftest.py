import copy
import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from alerts.services import monitoring_account
from tests.factories import make_agent, make_supervisor

SAMPLES = Path(__file__).with_name("samples")


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


def alertmanager(*alerts: dict, status: str = "firing", group_key: str = '{}:{alertname="X"}') -> dict:
    """An Alertmanager v4 body holding these alerts."""
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "helpdesk",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }


def am_alert(fingerprint: str, *, status: str = "firing", severity: str = "warning", **labels) -> dict:
    return {
        "status": status,
        "labels": {"alertname": f"Alert{fingerprint}", "severity": severity, **labels},
        "annotations": {"summary": f"summary of {fingerprint}"},
        "startsAt": "2026-12-07T00:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": fingerprint,
    }


def resolved(body: dict) -> dict:
    body = copy.deepcopy(body)
    body["status"] = "resolved"
    for alert in body["alerts"]:
        alert["status"] = "resolved"
        alert["endsAt"] = "2026-12-07T01:00:00Z"
    return body


@pytest.fixture
def monitoring():
    return monitoring_account()


@pytest.fixture
def sender(monitoring):
    """A client with the monitoring account's API token."""
    _token, key = api_token_create(user=monitoring, name="alertmanager")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def on_call(db):
    """A Level II agent and a supervisor with phones: the people a P1 alert pages."""
    return make_agent(2, phone="+6281200000002"), make_supervisor(phone="+6281200000009")


@pytest.fixture
def post(sender, django_capture_on_commit_callbacks):
    """POST a body as the monitoring account and run the worker's task (on commit)."""

    def send(path: str, body, client=None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or sender).post(path, body, format="json", **extra)

    return send
