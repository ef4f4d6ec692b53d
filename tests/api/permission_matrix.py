"""The permission matrix of the API: every role against every endpoint and method.

Each cell builds its own ticket, makes one request and checks the exact status. An
allowed write must show its effect; a refused request (and every read) must leave the
ticket row, its audit trail, its comments and its files exactly as they were. The endpoints
and what an allowed request must have done are in the test modules by what they cover
(test_permissions_tickets.py, test_permissions_conversation.py, test_permissions_lookups.py);
this module holds the roles, the setups they share, the expected-status columns and the check
of one cell.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.services import api_token_create, user_set_role
from alerts.models import AlertDelivery
from configuration.models import RecomputeRun
from maintenance.models import MaintenancePlan
from tests.factories import TicketFactory, UserFactory, make_agent, make_requester, make_supervisor
from tickets.models import (
    Attachment,
    Comment,
    SavedView,
    Ticket,
    TicketChecklistItem,
    TicketEvent,
    TicketLink,
    TicketWatcher,
    TimeEntry,
)

ROLES = ("anonymous", "owner", "other_requester", "agent_l1", "agent_l2", "agent_l3", "supervisor", "admin")
AGENT_LEVEL = {"agent_l1": 1, "agent_l2": 2, "agent_l3": 3}
STAFF = {*AGENT_LEVEL, "supervisor", "admin"}
TOKEN_ROLE = "agent_l2"


@dataclass(frozen=True)
class Acts:
    """``status`` for staff who work the ticket's level or a higher one; 403 for staff below it."""

    status: int


@dataclass
class World:
    """What one cell acts on, and who acts."""

    level: int
    ticket: Ticket | None = None
    public_file: Attachment | None = None
    internal_file: Attachment | None = None
    assignee: Any = None
    role: str = ""
    actor: Any = None
    # Further ids an endpoint's path names ({item}, {plan}, …).
    ids: dict = field(default_factory=dict)


# --- setups


def no_ticket(level: int) -> World:
    return World(level=level)


def new_ticket(level: int) -> World:
    return World(level=level, ticket=TicketFactory(level=level))


def make_admin():
    user = UserFactory(is_superuser=True)
    user_set_role(user=user, role=Role.ADMIN)
    return user


def actor_for(role: str, world: World):
    if role == "anonymous":
        return None
    if role == "owner":
        return world.ticket.requester if world.ticket else make_requester()
    if role == "other_requester":
        return make_requester()
    if role in AGENT_LEVEL:
        return make_agent(AGENT_LEVEL[role])
    if role == "supervisor":
        return make_supervisor()
    return make_admin()


def last_event(world: World) -> TicketEvent:
    event = TicketEvent.objects.filter(ticket=world.ticket).order_by("-id").first()
    assert event is not None
    assert event.actor == world.actor
    return event


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    # One expected status per role, in the order of ROLES.
    expect: tuple
    check: Callable[[World, Any], None]
    setup: Callable[[int], World] = new_ticket
    levels: tuple[int, ...] = (1, 2, 3)
    data: Callable[[World], Any] = field(default=lambda world: None)
    format: str = "json"
    # An allowed write leaves a ticket event (writes that are not about one ticket: False).
    audited: bool = True
    # What must exist once the actor is known (their own row, say), before the request.
    prepare: Callable[[World], None] | None = None

    def expected(self, role: str, level: int) -> int:
        status = dict(zip(ROLES, self.expect, strict=True))[role]
        if isinstance(status, Acts):
            can_act = role not in AGENT_LEVEL or level <= AGENT_LEVEL[role]
            return status.status if can_act else 403
        return status

    def url(self, world: World) -> str:
        return self.path.format(
            ref=world.ticket.reference if world.ticket else "",
            public_file=world.public_file.pk if world.public_file else 0,
            internal_file=world.internal_file.pk if world.internal_file else 0,
            **world.ids,
        )


T = "/api/v1/tickets/{ref}"

# Columns:        anonymous, owner, other requester, agent L1, agent L2, agent L3, supervisor, admin
EVERYONE = (401, 200, 200, 200, 200, 200, 200, 200)
READ = (401, 200, 404, 200, 200, 200, 200, 200)
STAFF_READ = (401, 404, 404, 200, 200, 200, 200, 200)
STAFF_ACTS = (401, 403, 404, Acts(200), Acts(200), Acts(200), 200, 200)
OWNER_OR_STAFF_ACTS = (401, 200, 404, Acts(200), Acts(200), Acts(200), 200, 200)
STAFF_TRANSITION = (401, 403, 404, Acts(409), Acts(409), Acts(409), 409, 409)


def cells(endpoints: list[Endpoint]):
    """One test case per endpoint, level and role, and one more with an API token."""
    for endpoint in endpoints:
        for level in endpoint.levels:
            for role in ROLES:
                yield pytest.param(endpoint, level, role, "force", id=f"{endpoint.name}-L{level}-{role}")
            yield pytest.param(endpoint, level, TOKEN_ROLE, "token", id=f"{endpoint.name}-L{level}-{TOKEN_ROLE}-token")


def state(world: World) -> dict:
    """Everything a refused request must leave alone."""
    return {
        "plans": list(MaintenancePlan.objects.order_by("id").values()),
        "checklist": list(TicketChecklistItem.objects.order_by("id").values()),
        "time_entries": list(TimeEntry.objects.order_by("id").values()),
        "ticket": Ticket.objects.filter(pk=world.ticket.pk).values().get() if world.ticket else None,
        "tickets": Ticket.objects.count(),
        "events": TicketEvent.objects.count(),
        "comments": Comment.objects.count(),
        "attachments": Attachment.objects.count(),
        "alert_deliveries": AlertDelivery.objects.count(),
        "recompute_runs": list(RecomputeRun.objects.order_by("id").values_list("id", "status")),
        "watchers": list(TicketWatcher.objects.order_by("id").values_list("ticket_id", "user_id")),
        "links": list(TicketLink.objects.order_by("id").values_list("from_ticket_id", "to_ticket_id", "kind")),
        "saved_views": list(SavedView.objects.order_by("id").values()),
    }


def cell_check(endpoint: Endpoint, level: int, role: str, auth: str) -> None:
    """One cell of the matrix: ``role`` sends the endpoint's request on its setup, signed in
    (``force``) or with an API token (``token``), and gets exactly the expected status."""
    world = endpoint.setup(level)
    world.role = role
    world.actor = actor_for(role, world)
    client = APIClient()
    if world.actor is not None and auth == "token":
        _token, key = api_token_create(user=world.actor, name="permission matrix")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    elif world.actor is not None:
        client.force_authenticate(world.actor)
    if endpoint.prepare is not None:
        endpoint.prepare(world)
    expected = endpoint.expected(role, level)
    before = state(world)

    response = getattr(client, endpoint.method.lower())(
        endpoint.url(world), endpoint.data(world), format=endpoint.format
    )

    shown_body = response.content[:500] if not response.streaming else b"<file>"
    assert response.status_code == expected, shown_body
    after = state(world)
    if expected >= 400:
        error = response.json()["error"]
        assert error["status"] == expected and error["message"]
        if expected == 401:
            assert error["code"] == "not_authenticated"
            assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert after == before
        return
    endpoint.check(world, response)
    if endpoint.method == "GET":
        assert after == before
    elif endpoint.audited:
        assert after["events"] > before["events"]
    else:
        assert after != before
