"""Who may do what to a ticket through the API: list, file, read, change, take, assign,
escalate and send down, resolve, reopen, close, the status and priority actions and the SLA
figures, for every role (the matrix: tests/api/permission_matrix.py)."""

import pytest
from django.utils import timezone

from tests.api.permission_matrix import (
    EVERYONE,
    OWNER_OR_STAFF_ACTS,
    READ,
    STAFF_ACTS,
    STAFF_TRANSITION,
    Acts,
    Endpoint,
    T,
    World,
    cell_check,
    cells,
    last_event,
    no_ticket,
)
from tests.factories import TicketFactory, make_agent
from tickets.choices import EventKind, Status
from tickets.models import Ticket, TicketEvent, pk_from_reference

pytestmark = pytest.mark.django_db

NEW_TICKET = {"subject": "Scanner offline", "description": "Since this morning.", "urgency": "medium"}
HIGH = {"impact": "high", "urgency": "high"}


# --- setups


def resolved_ticket(level: int) -> World:
    now = timezone.now()
    ticket = TicketFactory(
        level=level,
        status=Status.RESOLVED,
        resolution="Restarted the spooler.",
        first_response_at=now,
        resolved_at=now,
    )
    return World(level=level, ticket=ticket)


def ticket_with_an_agent_to_assign(level: int) -> World:
    # A Level III agent may own a ticket at any level.
    return World(level=level, ticket=TicketFactory(level=level), assignee=make_agent(3))


# --- what an allowed request must have done (or shown)


def fresh(world: World) -> Ticket:
    return Ticket.objects.get(pk=world.ticket.pk)


def listed(world: World, response) -> None:
    references = [row["reference"] for row in response.json()["results"]]
    if world.role == "other_requester":
        assert references == []
    else:
        assert world.ticket.reference in references


def filed(world: World, response) -> None:
    ticket = Ticket.objects.get(pk=pk_from_reference(response.json()["reference"]))
    assert (ticket.requester, ticket.subject, ticket.channel) == (world.actor, NEW_TICKET["subject"], "api")
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CREATED).exists()


def shown(world: World, response) -> None:
    assert response.json()["reference"] == world.ticket.reference


def reprioritised(world: World, response) -> None:
    ticket = fresh(world)
    assert (ticket.impact, ticket.urgency, ticket.priority) == ("high", "high", 1)
    assert response.json()["priority"] == 1
    assert last_event(world).kind == EventKind.PRIORITY_CHANGED


def taken(world: World, response) -> None:
    ticket = fresh(world)
    assert (ticket.assignee, ticket.status) == (world.actor, Status.OPEN)
    assert response.json()["assignee"]["id"] == world.actor.pk


def assigned(world: World, response) -> None:
    assert fresh(world).assignee == world.assignee
    assert response.json()["assignee"]["id"] == world.assignee.pk


def escalated(world: World, response) -> None:
    assert fresh(world).level == world.level + 1
    event = last_event(world)
    assert (event.kind, event.reason) == (EventKind.ESCALATED, "Needs the network team")


def sent_down(world: World, response) -> None:
    assert fresh(world).level == world.level - 1
    assert last_event(world).kind == EventKind.DE_ESCALATED


def resolved(world: World, response) -> None:
    ticket = fresh(world)
    assert (ticket.status, ticket.resolution) == (Status.RESOLVED, "Replaced the toner.")
    assert last_event(world).kind == EventKind.RESOLVED


def reopened(world: World, response) -> None:
    ticket = fresh(world)
    assert (ticket.status, ticket.resolved_at) == (Status.OPEN, None)
    assert last_event(world).kind == EventKind.REOPENED


def closed(world: World, response) -> None:
    ticket = fresh(world)
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None
    assert last_event(world).kind == EventKind.CLOSED


def pending(world: World, response) -> None:
    assert fresh(world).status == Status.PENDING
    assert last_event(world).kind == EventKind.STATUS_CHANGED


def sla_shown(world: World, response) -> None:
    assert [line["metric"] for line in response.json()["lines"]] == ["first_response", "resolution"]


def never(world: World, response) -> None:
    raise AssertionError("this request must be refused")


# --- the endpoints


ENDPOINTS = [
    Endpoint("list", "GET", "/api/v1/tickets/", EVERYONE, listed, levels=(3,)),
    Endpoint(
        "create",
        "POST",
        "/api/v1/tickets/",
        (401, 201, 201, 201, 201, 201, 201, 201),
        filed,
        setup=no_ticket,
        levels=(1,),
        data=lambda world: NEW_TICKET,
    ),
    Endpoint("retrieve", "GET", T + "/", READ, shown),
    Endpoint("patch", "PATCH", T + "/", STAFF_ACTS, reprioritised, data=lambda world: HIGH),
    # Supervisors and administrators work every level, so they may own any ticket.
    Endpoint("take", "POST", T + "/take/", STAFF_ACTS, taken),
    Endpoint(
        "assign",
        "POST",
        T + "/assign/",
        STAFF_ACTS,
        assigned,
        setup=ticket_with_an_agent_to_assign,
        data=lambda world: {"assignee": world.assignee.pk},
    ),
    Endpoint(
        "escalate",
        "POST",
        T + "/escalate/",
        STAFF_ACTS,
        escalated,
        levels=(1, 2),
        data=lambda world: {"reason": "Needs the network team"},
    ),
    Endpoint(
        "escalate-past-level-3",
        "POST",
        T + "/escalate/",
        STAFF_TRANSITION,
        never,
        levels=(3,),
        data=lambda world: {"reason": "More"},
    ),
    Endpoint(
        "de-escalate",
        "POST",
        T + "/de-escalate/",
        STAFF_ACTS,
        sent_down,
        levels=(2, 3),
        data=lambda world: {"reason": "A Level I fix after all"},
    ),
    Endpoint(
        "de-escalate-below-level-1",
        "POST",
        T + "/de-escalate/",
        STAFF_TRANSITION,
        never,
        levels=(1,),
        data=lambda world: {"reason": "Less"},
    ),
    Endpoint(
        "resolve",
        "POST",
        T + "/resolve/",
        STAFF_ACTS,
        resolved,
        data=lambda world: {"resolution": "Replaced the toner."},
    ),
    Endpoint(
        "reopen",
        "POST",
        T + "/reopen/",
        OWNER_OR_STAFF_ACTS,
        reopened,
        setup=resolved_ticket,
        data=lambda world: {"reason": "Still jams"},
    ),
    Endpoint("close", "POST", T + "/close/", OWNER_OR_STAFF_ACTS, closed, setup=resolved_ticket),
    Endpoint(
        "close-unresolved",
        "POST",
        T + "/close/",
        (401, 409, 404, Acts(409), Acts(409), Acts(409), 409, 409),
        never,
        levels=(2,),
    ),
    Endpoint(
        "status",
        "POST",
        T + "/status/",
        STAFF_ACTS,
        pending,
        data=lambda world: {"status": "pending", "reason": "Asked for the model"},
    ),
    Endpoint("priority", "POST", T + "/priority/", STAFF_ACTS, reprioritised, data=lambda world: HIGH),
    Endpoint("sla", "GET", T + "/sla/", READ, sla_shown),
]

CELLS = list(cells(ENDPOINTS))


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), CELLS)
def test_permission_matrix(endpoint: Endpoint, level: int, role: str, auth: str):
    cell_check(endpoint, level, role, auth)
