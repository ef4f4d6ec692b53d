"""The alert endpoints for every role: only the monitoring account (tests/alerts) and
accounts given ``alerts.post_alerts`` (administrators hold every permission) may post;
people, staff included, are refused, and a refused post records nothing."""

import pytest

from alerts.models import AlertDelivery
from tests.api.permission_matrix import Endpoint, World, cell_check, cells, no_ticket

pytestmark = pytest.mark.django_db

# Columns: anonymous, owner, other requester, agent L1, agent L2, agent L3, supervisor, admin
SENDERS_ONLY = (401, 403, 403, 403, 403, 403, 403, 202)


def delivery_recorded(world: World, response) -> None:
    delivery = AlertDelivery.objects.get(pk=response.json()["delivery"])
    assert delivery.sender == world.actor and response.json()["alerts"] == 1


def alertmanager_body(world: World) -> dict:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="Matrix"}',
        "status": "firing",
        "alerts": [{"status": "firing", "labels": {"alertname": "Matrix"}, "fingerprint": "m1"}],
    }


def generic_body(world: World) -> dict:
    return {"alerts": [{"key": "m1", "status": "firing", "name": "Matrix"}]}


ENDPOINTS = [
    Endpoint(
        "alerts-alertmanager",
        "POST",
        "/api/v1/alerts/alertmanager/",
        SENDERS_ONLY,
        delivery_recorded,
        setup=no_ticket,
        levels=(2,),
        data=alertmanager_body,
        audited=False,
    ),
    Endpoint(
        "alerts-zabbix",
        "POST",
        "/api/v1/alerts/zabbix/",
        SENDERS_ONLY,
        delivery_recorded,
        setup=no_ticket,
        levels=(2,),
        data=generic_body,
        audited=False,
    ),
    Endpoint(
        "alerts-generic",
        "POST",
        "/api/v1/alerts/generic/",
        SENDERS_ONLY,
        delivery_recorded,
        setup=no_ticket,
        levels=(2,),
        data=generic_body,
        audited=False,
    ),
]


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), list(cells(ENDPOINTS)))
def test_alerts_api_permission_matrix(endpoint: Endpoint, level: int, role: str, auth: str):
    cell_check(endpoint, level, role, auth)
