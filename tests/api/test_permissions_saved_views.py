"""Who may read and create saved views of the ticket list through the API: support staff,
each their own and every shared one; requesters none (the matrix:
tests/api/permission_matrix.py)."""

import pytest

from tests.api.permission_matrix import ROLES, Endpoint, World, cell_check, cells, no_ticket
from tests.factories import make_agent
from tickets.models import SavedView

pytestmark = pytest.mark.django_db

# Columns: anonymous, owner, other requester, agent L1, agent L2, agent L3, supervisor, admin
STAFF_ONLY = (401, 403, 403, 200, 200, 200, 200, 200)
STAFF_CREATE = (401, 403, 403, 201, 201, 201, 201, 201)


def views_of_someone(level: int) -> World:
    world = no_ticket(level)
    someone = make_agent(1)
    SavedView.objects.create(owner=someone, name="Shared P1", query="priority=1", is_shared=True)
    SavedView.objects.create(owner=someone, name="Their own", query="assignee=me")
    return world


def views_listed(world: World, response) -> None:
    # Another person's shared view is listed; their private one is not.
    assert [row["name"] for row in response.json()] == ["Shared P1"]


def view_created(world: World, response) -> None:
    view = SavedView.objects.get(pk=response.json()["id"])
    assert (view.owner, view.name, view.query, view.is_shared) == (
        world.actor,
        "Pending <b>&</b> 😀",
        "status=pending&assignee=me",
        False,
    )


ENDPOINTS = [
    Endpoint(
        "saved-views", "GET", "/api/v1/saved-views/", STAFF_ONLY, views_listed, setup=views_of_someone, levels=(1,)
    ),
    Endpoint(
        "saved-view-create",
        "POST",
        "/api/v1/saved-views/",
        STAFF_CREATE,
        view_created,
        setup=no_ticket,
        levels=(1,),
        data=lambda world: {"name": "Pending <b>&</b> 😀", "query": "status=pending&assignee=me&nonsense=1"},
        audited=False,
    ),
]

CELLS = list(cells(ENDPOINTS))
assert len(ROLES) == 8


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), CELLS)
def test_permission_matrix(endpoint: Endpoint, level: int, role: str, auth: str):
    cell_check(endpoint, level, role, auth)
