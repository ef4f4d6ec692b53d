from datetime import timedelta

import pytest
from django.utils import timezone

from health.services import heartbeat_record
from health.tasks import heartbeat
from tests.support import broker_at

pytestmark = pytest.mark.django_db


def test_healthz_is_503_without_a_worker_heartbeat(client):
    response = client.get("/healthz/")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert body["checks"]["worker"]["ok"] is False


def test_healthz_is_200_after_a_heartbeat_and_needs_no_sign_in(client):
    heartbeat.delay()  # eager in unit tests
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_a_stale_heartbeat_makes_healthz_unhealthy(client, settings):
    heartbeat_record(at=timezone.now() - settings.HELPDESK_HEARTBEAT_MAX_AGE - timedelta(seconds=1))
    assert client.get("/healthz/").status_code == 503


def test_an_unreachable_broker_makes_healthz_unhealthy(client):
    heartbeat_record()
    with broker_at("redis://127.0.0.1:1/0"):
        response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
