"""The maintenance API beyond who may call it: a plan created and replaced as the pages do,
refusals with a clear message for wrong or hostile input, nothing half-saved."""

import pytest
from rest_framework.test import APIClient

from maintenance.models import MaintenancePlan
from tests.factories import make_supervisor
from tests.maintenance.support import asset, plan

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Patch the servers",
    "asset_type": "server",
    "rrule": "FREQ=MONTHLY;BYDAY=2TU",
    "dtstart": "2026-01-13T20:00:00+07:00",
    "time_zone": "Asia/Jakarta",
    "level": 3,
    "checklist": ["Snapshot", "Patch", "Reboot"],
    "lead_time_hours": 48,
}


def _api():
    client = APIClient()
    client.force_authenticate(make_supervisor())
    return client


def test_a_plan_for_one_asset_by_its_tag():
    server = asset()
    response = _api().post("/api/v1/maintenance-plans/", {**BODY, "asset_type": "", "asset": server.tag}, format="json")
    assert response.status_code == 201
    assert response.json()["asset"] == server.tag and response.json()["lead_time_hours"] == 48


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rrule": "FREQ=MINUTELY"}, "at most hourly"),
        ({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "never fires"),
        ({"rrule": "' \" < > & 🙂"}, "needs FREQ"),
        ({"time_zone": "Mars/Olympus"}, "not a known time zone"),
        ({"asset": "NOPE"}, "Object with tag=NOPE does not exist"),
        ({"name": "\r\n"}, "This field may not be blank"),
        ({"name": "x" * 201}, "no more than 200"),
        ({"checklist": ["x" * 501]}, "no more than 500"),
        ({"checklist": "Snapshot"}, "Expected a list"),
        ({"level": "9"}, "not a valid choice"),
        ({"lead_time_hours": -1}, "greater than or equal to 0"),
        ({"asset_type": ""}, "either one asset or an asset type"),
    ],
)
def test_wrong_or_hostile_input_is_refused_clearly_and_saves_nothing(changes, message):
    response = _api().post("/api/v1/maintenance-plans/", {**BODY, **changes}, format="json")
    assert response.status_code == 400, response.content
    assert message in response.content.decode()
    assert not MaintenancePlan.objects.exists()


def test_replacing_a_plan_can_deactivate_it():
    existing = plan()
    response = _api().put(f"/api/v1/maintenance-plans/{existing.pk}/", {**BODY, "is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False


@pytest.mark.parametrize("pk", ["0", "99999999"])
def test_an_unknown_plan_is_a_404(pk):
    assert _api().get(f"/api/v1/maintenance-plans/{pk}/").status_code == 404
