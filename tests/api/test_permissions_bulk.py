"""Who may change tickets in bulk through the API (POST /api/v1/tickets/bulk/), for every
role (the matrix: tests/api/permission_matrix.py), and what hostile bodies get.

Each cell sends the world's ticket and a Level I ticket: every member of staff gets 200
with one result per ticket; the world's ticket is done for staff who work its level and
refused, unchanged, for an agent below it; requesters are refused the whole request."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.api.permission_matrix import AGENT_LEVEL, STAFF_ACTS, Endpoint, World, cell_check, cells
from tests.factories import TicketFactory, make_agent, make_requester
from tickets.choices import EventKind
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/tickets/bulk/"
STAFF_200 = (401, 403, 403, 200, 200, 200, 200, 200)
REASON = "Needs the network team"


def with_a_level_one_ticket(world: World) -> None:
    world.ids["extra"] = TicketFactory(level=1).reference


def may_act(world: World) -> bool:
    return world.role not in AGENT_LEVEL or world.level <= AGENT_LEVEL[world.role]


def results(response) -> dict:
    body = response.json()
    assert body["done"] + body["refused"] == len(body["results"]) == 2
    return {row["ticket"]: row for row in body["results"]}


def taken(world: World, response) -> None:
    rows = results(response)
    assert rows[world.ids["extra"]]["result"] == "done"
    ours = rows[world.ticket.reference]
    ticket = Ticket.objects.get(pk=world.ticket.pk)
    if may_act(world):
        assert (ours["result"], ours["message"]) == ("done", "")
        assert ticket.assignee == world.actor
    else:
        assert ours["result"] == "refused" and "above the levels you work" in ours["message"]
        assert ticket.assignee is None and not TicketEvent.objects.filter(ticket=ticket).exists()


def escalated_but_level_three(world: World, response) -> None:
    rows = results(response)
    assert rows[world.ids["extra"]]["result"] == "done"
    ours = rows[world.ticket.reference]
    assert ours["result"] == "refused"
    message = "Level III is the last level" if may_act(world) else "above the levels you work"
    assert message in ours["message"]
    assert Ticket.objects.get(pk=world.ticket.pk).level == 3
    assert TicketEvent.objects.filter(kind=EventKind.ESCALATED, reason=REASON).count() == 1


def words_corrected(world: World, response) -> None:
    ticket = Ticket.objects.get(pk=world.ticket.pk)
    assert ticket.subject == response.json()["subject"] == "Printer jams on floor 3"
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.EDITED)
    assert (event.actor, event.reason) == (world.actor, world.ticket.subject)


ENDPOINTS = [
    # Not a bulk action: the PATCH of a ticket's words (tests/tickets/test_edit.py).
    Endpoint(
        "patch-words",
        "PATCH",
        "/api/v1/tickets/{ref}/",
        STAFF_ACTS,
        words_corrected,
        data=lambda world: {"subject": "Printer jams on floor 3"},
    ),
    Endpoint(
        "bulk-take",
        "POST",
        URL,
        STAFF_200,
        taken,
        prepare=with_a_level_one_ticket,
        data=lambda world: {"tickets": [world.ticket.reference, world.ids["extra"]], "action": "take"},
    ),
    Endpoint(
        "bulk-escalate",
        "POST",
        URL,
        STAFF_200,
        escalated_but_level_three,
        levels=(3,),
        prepare=with_a_level_one_ticket,
        data=lambda world: {
            "tickets": [world.ticket.reference, world.ids["extra"]],
            "action": "escalate",
            "reason": REASON,
        },
    ),
]

CELLS = list(cells(ENDPOINTS))


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), CELLS)
def test_permission_matrix(endpoint: Endpoint, level: int, role: str, auth: str):
    cell_check(endpoint, level, role, auth)


@pytest.fixture
def agent_client():
    client = APIClient()
    client.force_authenticate(make_agent(1))
    return client


HOSTILE = [
    {},
    {"tickets": [], "action": "take"},
    {"tickets": "HD-000001", "action": "take"},
    {"tickets": [1, 2], "action": "take"},
    {"tickets": ["<script>&'\""], "action": "take"},
    {"tickets": ["HD-000001\r\nX: y"], "action": "take"},
    {"tickets": ["HD-000001"], "action": "drop"},
    {"tickets": ["HD-000001"], "action": ["take"]},
    {"tickets": ["HD-000001"], "action": "escalate"},
    {"tickets": ["HD-000001"], "action": "escalate", "reason": " \x00 "},
    {"tickets": ["HD-000001"], "action": "escalate", "reason": "é" * 5001},
    {"tickets": ["HD-000001"], "action": "priority", "impact": "huge", "urgency": "low"},
    {"tickets": ["HD-000001"], "action": "assign", "assignee": "🙂"},
    {"tickets": ["HD-000001"], "action": "reply", "reply": 2**40},
    {"tickets": ["😀" * 250], "action": "take"},
    {"tickets": {"a": 1}, "action": "take"},
    ["HD-000001"],
]


@pytest.mark.parametrize("body", HOSTILE, ids=[f"body-{n}" for n in range(len(HOSTILE))])
def test_a_malformed_bulk_request_is_a_400_and_changes_nothing(agent_client, body):
    ticket = TicketFactory(level=1)
    body = (
        {**body, "tickets": [ticket.reference]}
        if isinstance(body, dict) and body.get("tickets") == ["HD-000001"]
        else body
    )
    response = agent_client.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["status"] == 400
    assert not TicketEvent.objects.exists()


def test_more_tickets_than_the_cap_are_refused_whole_with_a_clear_message(agent_client):
    tickets = TicketFactory.create_batch(3, level=1)
    with override_settings(HELPDESK_BULK_MAX_TICKETS=2):
        response = agent_client.post(URL, {"tickets": [t.reference for t in tickets], "action": "take"}, format="json")
    assert response.status_code == 400
    assert "at most 2 at a time" in str(response.json())
    assert not TicketEvent.objects.exists()


def test_unknown_and_duplicate_references_get_one_row_each(agent_client):
    ticket = TicketFactory(level=1)
    response = agent_client.post(
        URL, {"tickets": [ticket.reference, ticket.reference.lower(), "HD-999999"], "action": "take"}, format="json"
    )
    assert response.status_code == 200
    assert [(row["ticket"], row["result"]) for row in response.json()["results"]] == [
        (ticket.reference, "done"),
        ("HD-999999", "refused"),
    ]


def test_a_requester_is_refused_without_learning_anything(client):
    api = APIClient()
    requester = make_requester()
    api.force_authenticate(requester)
    ticket = TicketFactory(requester=requester)
    response = api.post(URL, {"tickets": [ticket.reference], "action": "take"}, format="json")
    assert response.status_code == 403
    assert ticket.reference not in response.content.decode()
