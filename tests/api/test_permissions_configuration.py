"""Who may recompute due times through the API, and read a recompute's progress:
supervisors and administrators; nobody else learns a run exists (the matrix:
tests/api/permission_matrix.py)."""

import pytest

from configuration.models import RecomputeRun
from sla.models import SlaPolicy
from tests.api.permission_matrix import ROLES, Endpoint, World, cell_check, cells
from tests.factories import make_supervisor

pytestmark = pytest.mark.django_db

# Columns: anonymous, owner, other requester, agent L1, agent L2, agent L3, supervisor, admin
START = (401, 403, 403, 403, 403, 403, 202, 202)
READ = (401, 403, 403, 403, 403, 403, 200, 200)


def a_finished_run(level: int) -> World:
    policy = SlaPolicy.objects.get(priority=2, category__isnull=True)
    run = RecomputeRun.objects.create(
        scope="policy",
        object_id=policy.pk,
        subject=str(policy),
        requested_by=make_supervisor(),
        status="finished",
        total=3,
        done=3,
    )
    return World(level=level, ids={"run": run.pk, "policy": policy.pk})


def run_started(world: World, response) -> None:
    body = response.json()
    run = RecomputeRun.objects.get(pk=body["id"])
    assert (run.requested_by, run.object_id, run.status) == (world.actor, world.ids["policy"], "pending")
    assert body["status"] == "pending" and body["scope"] == "policy"


def run_shown(world: World, response) -> None:
    body = response.json()
    assert (body["id"], body["status"], body["done"], body["percent"]) == (world.ids["run"], "finished", 3, 100)


ENDPOINTS = [
    Endpoint(
        "sla-recompute-start",
        "POST",
        "/api/v1/sla/recomputes/",
        START,
        run_started,
        setup=a_finished_run,
        levels=(1,),
        data=lambda world: {"policy": world.ids["policy"]},
        audited=False,
    ),
    Endpoint(
        "sla-recompute", "GET", "/api/v1/sla/recomputes/{run}/", READ, run_shown, setup=a_finished_run, levels=(1,)
    ),
]

CELLS = list(cells(ENDPOINTS))
assert len(ROLES) == 8


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), CELLS)
def test_permission_matrix(endpoint: Endpoint, level: int, role: str, auth: str):
    cell_check(endpoint, level, role, auth)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"policy": "abc"},
        {"policy": -1},
        {"policy": 2**40},
        {"policy": 1, "calendar": 1},
        {"calendar": "' \" < > &"},
        {"policy": 999999},
        {"policy": "🙂"},
        {"policy": [1]},
    ],
)
def test_a_recompute_of_nothing_is_refused_and_starts_nothing(data):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(make_supervisor())
    response = client.post("/api/v1/sla/recomputes/", data, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400
    assert not RecomputeRun.objects.exists()


def test_a_second_start_answers_the_run_at_work():
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(make_supervisor())
    policy = SlaPolicy.objects.get(priority=2, category__isnull=True)
    first = client.post("/api/v1/sla/recomputes/", {"policy": policy.pk}, format="json")
    second = client.post("/api/v1/sla/recomputes/", {"policy": policy.pk}, format="json")
    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["id"] == second.json()["id"]
    assert client.get("/api/v1/sla/recomputes/999999/").status_code == 404
