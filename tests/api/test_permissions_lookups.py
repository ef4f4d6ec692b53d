"""What every caller may read through the API: the categories, the support levels, their
own account (``/api/v1/me/``) and the schema, for every role; and the matrix as a whole
(these endpoints with those of test_permissions_tickets.py and
test_permissions_conversation.py) covers every role and every operation of the schema."""

import re

import pytest
from rest_framework.test import APIClient

from tests.api import (
    test_permissions_alerts,
    test_permissions_assets,
    test_permissions_bulk,
    test_permissions_configuration,
    test_permissions_conversation,
    test_permissions_follow_up,
    test_permissions_links,
    test_permissions_maintenance,
    test_permissions_people,
    test_permissions_problems,
    test_permissions_procurement,
    test_permissions_saved_views,
    test_permissions_tickets,
    test_permissions_time,
    test_permissions_vendors,
)
from tests.api.permission_matrix import EVERYONE, ROLES, Endpoint, World, cell_check, cells, no_ticket

pytestmark = pytest.mark.django_db


# --- what an allowed request must have shown


def categories_listed(world: World, response) -> None:
    assert "Email" in [category["name"] for category in response.json()]


def levels_listed(world: World, response) -> None:
    assert [level["number"] for level in response.json()] == [1, 2, 3]


def me_shown(world: World, response) -> None:
    role, levels = {
        "owner": ("requester", []),
        "other_requester": ("requester", []),
        "agent_l1": ("agent", [1]),
        "agent_l2": ("agent", [2]),
        "agent_l3": ("agent", [3]),
        "supervisor": ("supervisor", [1, 2, 3]),
        "admin": ("admin", [1, 2, 3]),
    }[world.role]
    body = response.json()
    assert (body["id"], body["role"], body["levels"]) == (world.actor.pk, role, levels)


def schema_served(world: World, response) -> None:
    assert b"openapi:" in response.content
    assert b"/api/v1/tickets/{reference}/escalate/" in response.content


# --- the endpoints


ENDPOINTS = [
    Endpoint("categories", "GET", "/api/v1/categories/", EVERYONE, categories_listed, setup=no_ticket, levels=(1,)),
    Endpoint("levels", "GET", "/api/v1/levels/", EVERYONE, levels_listed, setup=no_ticket, levels=(1,)),
    Endpoint("me", "GET", "/api/v1/me/", EVERYONE, me_shown, setup=no_ticket, levels=(1,)),
    Endpoint("schema", "GET", "/api/schema/", (200,) * len(ROLES), schema_served, setup=no_ticket, levels=(1,)),
]

CELLS = list(cells(ENDPOINTS))
# Every endpoint of the matrix, whichever module checks it.
EVERY_ENDPOINT = [
    *test_permissions_tickets.ENDPOINTS,
    *test_permissions_conversation.ENDPOINTS,
    *test_permissions_maintenance.ENDPOINTS,
    *test_permissions_procurement.ENDPOINTS,
    *test_permissions_vendors.ENDPOINTS,
    *test_permissions_assets.ENDPOINTS,
    *test_permissions_alerts.ENDPOINTS,
    *test_permissions_people.ENDPOINTS,
    *test_permissions_time.ENDPOINTS,
    *test_permissions_saved_views.ENDPOINTS,
    *test_permissions_follow_up.ENDPOINTS,
    *test_permissions_bulk.ENDPOINTS,
    *test_permissions_configuration.ENDPOINTS,
    *test_permissions_links.ENDPOINTS,
    *test_permissions_problems.ENDPOINTS,
    *ENDPOINTS,
]


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), CELLS)
def test_permission_matrix(endpoint: Endpoint, level: int, role: str, auth: str):
    cell_check(endpoint, level, role, auth)


def test_the_matrix_covers_every_role_and_every_operation_of_the_schema():
    every_cell = cells(EVERY_ENDPOINT)
    assert {role for *_rest, role, auth in (cell.values for cell in every_cell) if auth == "force"} == set(ROLES)
    response = APIClient().get("/api/schema/", {"format": "json"})

    # Compared by shape: each module names its path parameters after its own world.
    def shape(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path)

    operations = {
        (method.upper(), shape(path)) for path, methods in response.json()["paths"].items() for method in methods
    }
    covered = {(endpoint.method, shape(endpoint.path)) for endpoint in EVERY_ENDPOINT}
    assert operations <= covered, operations - covered
