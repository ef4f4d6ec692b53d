"""The problems API for every role, and a ticket's parent and children: support staff
only (requesters are refused, their own ticket's problems included); what touches a ticket
asks for its level. A refused request leaves every problem, link and ticket as it was."""

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from problems.choices import ProblemStatus
from problems.models import Problem, ProblemEvent, ProblemIncident
from tests.api.permission_matrix import ROLES, Acts, Endpoint, T, World, actor_for, cell_check, cells, state
from tests.factories import TicketFactory
from tests.problems.support import problem_with
from tickets.choices import Status
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

# Columns: anonymous, owner, other requester, agent L1, agent L2, agent L3, supervisor, admin
STAFF_READS = (401, 403, 403, 200, 200, 200, 200, 200)
STAFF_CREATES = (401, 403, 403, 201, 201, 201, 201, 201)
STAFF_ACTS_CREATE = (401, 403, 403, Acts(201), Acts(201), Acts(201), 201, 201)
STAFF_ACTS_REMOVE = (401, 403, 403, Acts(204), Acts(204), Acts(204), 204, 204)
TICKET_STAFF_ACTS = (401, 403, 404, Acts(200), Acts(200), Acts(200), 200, 200)
TICKET_STAFF_READS = (401, 403, 404, 200, 200, 200, 200, 200)


def with_problem(level: int) -> World:
    ticket = TicketFactory(level=level, status=Status.OPEN)
    world = World(level=level, ticket=ticket)
    world.problem = problem_with(ticket)
    world.other = TicketFactory(level=level, status=Status.OPEN)
    world.ids = {"problem": world.problem.reference, "other": world.other.reference}
    return world


def with_family(level: int) -> World:
    parent = TicketFactory(level=level, status=Status.OPEN)
    ticket = TicketFactory(level=level, status=Status.OPEN, parent=parent)
    TicketFactory(level=level, status=Status.OPEN, parent=ticket)
    other = TicketFactory(level=level, status=Status.OPEN)
    return World(level=level, ticket=ticket, ids={"other": other.reference, "parent": parent.reference})


class ProblemEndpoint(Endpoint):
    def url(self, world: World) -> str:
        return self.path.format(ref=world.ticket.reference, **world.ids)


def listed(world, response):
    assert world.problem.reference in [row["reference"] for row in response.json()["results"]]


def shown(world, response):
    assert response.json()["reference"] == world.problem.reference
    assert response.json()["workaround"] == "Reconnect the VPN"


def created(world, response):
    problem = Problem.objects.get(pk=int(response.json()["reference"].removeprefix("PRB-")))
    assert problem.created_by == world.actor and problem.title == "Mail <slow> & 🙂"


def created_from_ticket(world, response):
    created(world, response)
    assert response.json()["incident_count"] == 1


def changed(field, value):
    def check(world, response):
        assert response.json()[field] == value
        assert ProblemEvent.objects.filter(problem=world.problem, field=field, actor=world.actor).exists()

    return check


def incidents_listed(world, response):
    assert [row["ticket"] for row in response.json()] == [world.ticket.reference]


def linked(world, response):
    assert response.json()["ticket"] == world.other.reference
    assert ProblemIncident.objects.filter(problem=world.problem, ticket=world.other, added_by=world.actor).exists()


def unlinked(world, response):
    assert not ProblemIncident.objects.filter(problem=world.problem, ticket=world.ticket).exists()


def resolved(world, response):
    body = response.json()
    assert body["problem"]["status"] == ProblemStatus.RESOLVED
    [outcome] = body["incidents"]
    can_act = world.role not in ("agent_l1",)
    assert outcome["ticket"] == world.ticket.reference and outcome["resolved"] is can_act
    assert (Ticket.objects.get(pk=world.ticket.pk).status == Status.RESOLVED) is can_act


P = "/api/v1/problems/{problem}/"
PROBLEM_ENDPOINTS = [
    ProblemEndpoint("problems", "GET", "/api/v1/problems/", STAFF_READS, listed, with_problem),
    ProblemEndpoint(
        "problem-create",
        "POST",
        "/api/v1/problems/",
        STAFF_CREATES,
        created,
        with_problem,
        data=lambda world: {"title": "Mail <slow> & 🙂", "description": "Since Monday\r\nfor everyone"},
    ),
    ProblemEndpoint(
        "problem-create-from-ticket",
        "POST",
        "/api/v1/problems/",
        STAFF_ACTS_CREATE,
        created_from_ticket,
        with_problem,
        data=lambda world: {"title": "Mail <slow> & 🙂", "ticket": world.other.reference},
    ),
    ProblemEndpoint("problem", "GET", P, STAFF_READS, shown, with_problem),
    ProblemEndpoint(
        "problem-patch",
        "PATCH",
        P,
        STAFF_READS,
        changed("root_cause", "A full disk"),
        with_problem,
        data=lambda world: {"root_cause": "A full disk"},
    ),
    ProblemEndpoint(
        "problem-put",
        "PUT",
        P,
        STAFF_READS,
        changed("workaround", "Use webmail"),
        with_problem,
        data=lambda world: {"workaround": "Use webmail"},
    ),
    ProblemEndpoint("incidents", "GET", P + "incidents/", STAFF_READS, incidents_listed, with_problem),
    ProblemEndpoint(
        "incident-link",
        "POST",
        P + "incidents/",
        STAFF_ACTS_CREATE,
        linked,
        with_problem,
        data=lambda world: {"ticket": world.other.reference},
    ),
    ProblemEndpoint("incident-unlink", "DELETE", P + "incidents/{ref}/", STAFF_ACTS_REMOVE, unlinked, with_problem),
    ProblemEndpoint(
        "problem-resolve",
        "POST",
        P + "resolve/",
        STAFF_READS,
        resolved,
        with_problem,
        data=lambda world: {"resolution": "Firewall upgraded", "resolve_incidents": True},
    ),
]


def parent_set(world, response):
    assert response.json()["parent"] == world.ids["other"]
    assert Ticket.objects.get(pk=world.ticket.pk).parent.reference == world.ids["other"]


def parent_cleared(world, response):
    assert response.json()["parent"] is None


def children_listed(world, response):
    [child] = response.json()
    assert child["parent"] == world.ticket.reference


TICKET_ENDPOINTS = [
    Endpoint(
        "ticket-parent-set",
        "PUT",
        T + "/parent/",
        TICKET_STAFF_ACTS,
        parent_set,
        with_family,
        data=lambda world: {"parent": world.ids["other"]},
    ),
    Endpoint("ticket-parent-clear", "DELETE", T + "/parent/", TICKET_STAFF_ACTS, parent_cleared, with_family),
    Endpoint("ticket-children", "GET", T + "/children/", TICKET_STAFF_READS, children_listed, with_family),
]
for _endpoint in PROBLEM_ENDPOINTS + TICKET_ENDPOINTS:
    object.__setattr__(_endpoint, "levels", (2,))
ENDPOINTS = PROBLEM_ENDPOINTS + TICKET_ENDPOINTS


def _state(world: World) -> tuple:
    return (
        list(Problem.objects.order_by("pk").values()),
        list(ProblemIncident.objects.order_by("pk").values()),
        ProblemEvent.objects.count(),
        state(world),
    )


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), list(cells(PROBLEM_ENDPOINTS)))
def test_problems_permission_matrix(endpoint, level, role, auth):
    world = endpoint.setup(level)
    world.role = role
    world.actor = actor_for(role, world)
    client = APIClient()
    if world.actor is not None and auth == "token":
        _token, key = api_token_create(user=world.actor, name="permission matrix")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    elif world.actor is not None:
        client.force_authenticate(world.actor)
    expected = endpoint.expected(role, level)
    before = _state(world)
    response = getattr(client, endpoint.method.lower())(endpoint.url(world), endpoint.data(world), format="json")
    assert response.status_code == expected, response.content[:500]
    if expected >= 400:
        assert response.json()["error"]["message"]
        assert _state(world) == before
        return
    endpoint.check(world, response)
    if endpoint.method == "GET":
        assert _state(world) == before
    else:
        assert ProblemEvent.objects.count() > before[2]


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), list(cells(TICKET_ENDPOINTS)))
def test_ticket_family_permission_matrix(endpoint, level, role, auth):
    cell_check(endpoint, level, role, auth)


def test_every_role_is_a_column():
    assert len(ROLES) == 8
