"""Who may do what to preventive maintenance and to a ticket's checklist through the API:
staff read plans and runs, supervisors and administrators keep plans; staff read a
ticket's checklist and those who work its level tick it; requesters see neither (the
matrix: tests/api/permission_matrix.py)."""

import pytest

from maintenance.models import MaintenancePlan
from tests.api.permission_matrix import ROLES, Acts, Endpoint, T, World, cell_check, cells
from tests.factories import TicketFactory
from tests.maintenance.support import asset, plan
from tickets.choices import EventKind
from tickets.models import TicketChecklistItem, TicketEvent

pytestmark = pytest.mark.django_db

# Columns: anonymous, owner, other requester, agent L1, agent L2, agent L3, supervisor, admin
STAFF = (401, 403, 403, 200, 200, 200, 200, 200)
PLANNERS_CREATE = (401, 403, 403, 403, 403, 403, 201, 201)
PLANNERS = (401, 403, 403, 403, 403, 403, 200, 200)
CHECKLIST_READ = (401, 403, 404, 200, 200, 200, 200, 200)
CHECKLIST_TICK = (401, 403, 404, Acts(200), Acts(200), Acts(200), 200, 200)
PLAN_BODY = {
    "name": "Patch the servers",
    "asset_type": "server",
    "rrule": "FREQ=MONTHLY;BYDAY=2TU",
    "dtstart": "2026-01-13T20:00:00+07:00",
    "time_zone": "Asia/Jakarta",
    "level": 3,
    "checklist": ["Snapshot", "Patch", "Reboot"],
    "lead_time_hours": 48,
}


# --- setups


def ticket_with_a_checklist(level: int) -> World:
    ticket = TicketFactory(level=level, status="open")
    item = TicketChecklistItem.objects.create(ticket=ticket, position=1, text="Read the backup log")
    return World(level=level, ticket=ticket, ids={"item": item.pk})


def a_plan(level: int) -> World:
    return World(level=level, ids={"plan": plan().pk})


# --- what an allowed request must have done (or shown)


def checklist_listed(world: World, response) -> None:
    assert [row["text"] for row in response.json()] == ["Read the backup log"]


def ticked(world: World, response) -> None:
    assert response.json()["state"] == "done"
    assert TicketEvent.objects.filter(ticket=world.ticket, kind=EventKind.CHECKLIST_DONE, actor=world.actor).exists()


def plans_listed(world: World, response) -> None:
    assert [row["id"] for row in response.json()] == [world.ids["plan"]]


def plan_created(world: World, response) -> None:
    created = MaintenancePlan.objects.get(pk=response.json()["id"])
    assert (created.asset_type, created.level, created.created_by) == ("server", 3, world.actor)
    assert response["Location"] == f"/api/v1/maintenance-plans/{created.pk}/"


def plan_shown(world: World, response) -> None:
    assert response.json()["id"] == world.ids["plan"]


def plan_replaced(world: World, response) -> None:
    changed = MaintenancePlan.objects.get(pk=world.ids["plan"])
    assert (changed.name, changed.rrule, changed.is_active) == ("Patch the servers", "FREQ=MONTHLY;BYDAY=2TU", False)


def runs_listed(world: World, response) -> None:
    assert response.json() == []


def _body(world: World) -> dict:
    asset("server")
    return PLAN_BODY


# --- the endpoints

P = "/api/v1/maintenance-plans"
ENDPOINTS = [
    Endpoint("checklist", "GET", T + "/checklist/", CHECKLIST_READ, checklist_listed, setup=ticket_with_a_checklist),
    Endpoint(
        "checklist-tick",
        "POST",
        T + "/checklist/{item}/",
        CHECKLIST_TICK,
        ticked,
        setup=ticket_with_a_checklist,
        data=lambda world: {"action": "done"},
    ),
    Endpoint("plans", "GET", P + "/", STAFF, plans_listed, setup=a_plan, levels=(1,)),
    Endpoint(
        "plan-create",
        "POST",
        P + "/",
        PLANNERS_CREATE,
        plan_created,
        setup=a_plan,
        levels=(1,),
        data=_body,
        audited=False,
    ),
    Endpoint("plan", "GET", P + "/{plan}/", STAFF, plan_shown, setup=a_plan, levels=(1,)),
    Endpoint(
        "plan-replace",
        "PUT",
        P + "/{plan}/",
        PLANNERS,
        plan_replaced,
        setup=a_plan,
        levels=(1,),
        data=lambda world: {**_body(world), "is_active": False},
        audited=False,
    ),
    Endpoint("runs", "GET", P + "/{plan}/runs/", STAFF, runs_listed, setup=a_plan, levels=(1,)),
]

CELLS = list(cells(ENDPOINTS))
assert len(ROLES) == 8


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), CELLS)
def test_permission_matrix(endpoint: Endpoint, level: int, role: str, auth: str):
    cell_check(endpoint, level, role, auth)
