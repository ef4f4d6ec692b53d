"""Alertmanager's replicas each send every alert: deliveries of the same alerts at the same
moment, on real connections of their own, still open one ticket per key and page once."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from accounts.services import api_token_create
from alerts.models import Alert
from alerts.services import monitoring_account
from escalation.models import Page
from tests.alerts.conftest import alertmanager, am_alert
from tests.factories import make_agent, make_supervisor
from tickets.models import Ticket

pytestmark = [pytest.mark.django_db(transaction=True)]

AM = "/api/v1/alerts/alertmanager/"


def _replicas(bodies_per_replica: list[list[dict]]) -> list[int]:
    """Each replica posts its bodies from a thread (its own connection), all starting together."""
    _token, key = api_token_create(user=monitoring_account(), name="alertmanager")
    barrier = threading.Barrier(len(bodies_per_replica))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def replica(bodies: list[dict]) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        try:
            barrier.wait()
            for body in bodies:
                statuses.append(client.post(AM, body, format="json").status_code)
        except BaseException as error:  # noqa: BLE001 - handed to the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=replica, args=(bodies,)) for bodies in bodies_per_replica]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return statuses


@pytest.fixture
def on_call(reference_data):
    return make_agent(2, phone="+6281200000002"), make_supervisor(phone="+6281200000009")


def test_two_replicas_delivering_the_same_alert_at_once_open_one_ticket_and_page_once(on_call, sms_outbox):
    if connection.vendor != "postgresql":
        pytest.skip("the race is PostgreSQL's to win (SQLite writes one at a time)")
    body = alertmanager(am_alert("c0ffee", severity="critical", instance="web-01:9100"))
    for _round in range(5):
        assert _replicas([[body], [body]]) == [202, 202]
    assert Ticket.objects.count() == 1
    assert Alert.objects.get().fire_count == 10
    assert Page.objects.count() == 1
    assert sorted(message.to for message in sms_outbox) == ["+6281200000002", "+6281200000009"]


def test_a_storm_of_2000_alerts_over_200_fingerprints_from_two_replicas_gives_200_tickets(on_call, sms_outbox):
    if connection.vendor != "postgresql":
        pytest.skip("the storm runs on PostgreSQL")
    fingerprints = [f"fp{number:03d}" for number in range(200)]
    critical = set(fingerprints[:20])
    alerts = [
        am_alert(fingerprint, severity="critical" if fingerprint in critical else "warning")
        for _repeat in range(5)
        for fingerprint in fingerprints
    ]
    # 1,000 alerts per replica in bodies of 50 (Alertmanager's groups), the same on both.
    bodies = [alertmanager(*alerts[start : start + 50]) for start in range(0, len(alerts), 50)]
    statuses = _replicas([bodies, bodies])
    assert statuses == [202] * 40
    assert Ticket.objects.count() == 200
    assert sum(Alert.objects.values_list("fire_count", flat=True)) == 2000
    assert Page.objects.count() == 20
    # One SMS per P1 ticket to each of the two people on call.
    assert len(sms_outbox) == 40
    assert len({message.body for message in sms_outbox}) == 20
