"""Who may do what through the API: every role against every endpoint and method.

Each cell builds its own ticket, makes one request and checks the exact status. An
allowed write must show its effect; a refused request (and every read) must leave the
ticket row, its audit trail, its comments and its files exactly as they were.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.services import api_token_create, user_set_role
from tests.factories import TicketFactory, UserFactory, make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import EventKind, Status
from tickets.models import Attachment, Comment, Ticket, TicketEvent, pk_from_reference

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "other_requester", "agent_l1", "agent_l2", "agent_l3", "supervisor", "admin")
AGENT_LEVEL = {"agent_l1": 1, "agent_l2": 2, "agent_l3": 3}
STAFF = {*AGENT_LEVEL, "supervisor", "admin"}
TOKEN_ROLE = "agent_l2"

PUBLIC_REPLY = "Please restart the printer."
INTERNAL_NOTE = "The fuser is worn out; order a new one."
PUBLIC_FILE = b"public reply file"
INTERNAL_FILE = b"internal note file"


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


# --- setups


def no_ticket(level: int) -> World:
    return World(level=level)


def new_ticket(level: int) -> World:
    return World(level=level, ticket=TicketFactory(level=level))


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


def ticket_with_reply_and_internal_note(level: int) -> World:
    ticket = TicketFactory(level=level)
    author = make_supervisor()
    reply = services.comment_add(
        ticket_id=ticket.pk,
        author=author,
        body=PUBLIC_REPLY,
        attachments=[SimpleUploadedFile("reply.txt", PUBLIC_FILE, content_type="text/plain")],
    )
    note = services.comment_add(
        ticket_id=ticket.pk,
        author=author,
        body=INTERNAL_NOTE,
        internal=True,
        attachments=[SimpleUploadedFile("note.txt", INTERNAL_FILE, content_type="text/plain")],
    )
    ticket.refresh_from_db()
    return World(level=level, ticket=ticket, public_file=reply.attachments.get(), internal_file=note.attachments.get())


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


# --- what an allowed request must have done (or shown)


def staff(world: World) -> bool:
    return world.role in STAFF


def fresh(world: World) -> Ticket:
    return Ticket.objects.get(pk=world.ticket.pk)


def last_event(world: World) -> TicketEvent:
    event = TicketEvent.objects.filter(ticket=world.ticket).order_by("-id").first()
    assert event is not None
    assert event.actor == world.actor
    return event


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


def comments_listed(world: World, response) -> None:
    bodies = [comment["body"] for comment in response.json()]
    assert bodies == ([PUBLIC_REPLY, INTERNAL_NOTE] if staff(world) else [PUBLIC_REPLY])


def replied(world: World, response) -> None:
    comment = Comment.objects.get(pk=response.json()["id"])
    assert (comment.ticket_id, comment.author, comment.body, comment.is_internal) == (
        world.ticket.pk,
        world.actor,
        "Any news?",
        False,
    )
    assert last_event(world).kind in (EventKind.COMMENTED, EventKind.STATUS_CHANGED)


def noted(world: World, response) -> None:
    comment = Comment.objects.get(pk=response.json()["id"])
    assert (comment.ticket_id, comment.author, comment.is_internal) == (world.ticket.pk, world.actor, True)
    assert last_event(world).kind == EventKind.NOTE_ADDED


def files_listed(world: World, response) -> None:
    names = [attachment["original_name"] for attachment in response.json()]
    assert names == (["reply.txt", "note.txt"] if staff(world) else ["reply.txt"])


def attached(world: World, response) -> None:
    [saved] = response.json()
    attachment = Attachment.objects.get(pk=saved["id"])
    assert (attachment.ticket_id, attachment.uploaded_by, attachment.original_name) == (
        world.ticket.pk,
        world.actor,
        "log.txt",
    )
    assert last_event(world).kind == EventKind.ATTACHMENT_ADDED


def downloaded(content: bytes) -> Callable:
    def check(world: World, response) -> None:
        assert b"".join(response.streaming_content) == content

    return check


def events_listed(world: World, response) -> None:
    kinds = [event["kind"] for event in response.json()]
    assert EventKind.COMMENTED in kinds
    assert (EventKind.NOTE_ADDED in kinds) == staff(world)


def sla_shown(world: World, response) -> None:
    assert [line["metric"] for line in response.json()["lines"]] == ["first_response", "resolution"]


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


def never(world: World, response) -> None:
    raise AssertionError("this request must be refused")


def schema_served(world: World, response) -> None:
    assert b"openapi:" in response.content
    assert b"/api/v1/tickets/{reference}/escalate/" in response.content


# --- the matrix


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
        )


NEW_TICKET = {"subject": "Scanner offline", "description": "Since this morning.", "urgency": "medium"}
HIGH = {"impact": "high", "urgency": "high"}
T = "/api/v1/tickets/{ref}"

# Columns:        anonymous, owner, other requester, agent L1, agent L2, agent L3, supervisor, admin
EVERYONE = (401, 200, 200, 200, 200, 200, 200, 200)
READ = (401, 200, 404, 200, 200, 200, 200, 200)
STAFF_READ = (401, 404, 404, 200, 200, 200, 200, 200)
STAFF_ACTS = (401, 403, 404, Acts(200), Acts(200), Acts(200), 200, 200)
OWNER_OR_STAFF_ACTS = (401, 200, 404, Acts(200), Acts(200), Acts(200), 200, 200)
STAFF_TRANSITION = (401, 403, 404, Acts(409), Acts(409), Acts(409), 409, 409)

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
    Endpoint("comments", "GET", T + "/comments/", READ, comments_listed, setup=ticket_with_reply_and_internal_note),
    Endpoint(
        "reply",
        "POST",
        T + "/comments/",
        (401, 201, 404, Acts(201), Acts(201), Acts(201), 201, 201),
        replied,
        data=lambda world: {"body": "Any news?"},
    ),
    Endpoint(
        "internal-note",
        "POST",
        T + "/comments/",
        (401, 403, 404, Acts(201), Acts(201), Acts(201), 201, 201),
        noted,
        data=lambda world: {"body": "Check the cabling", "internal": True},
    ),
    Endpoint("attachments", "GET", T + "/attachments/", READ, files_listed, setup=ticket_with_reply_and_internal_note),
    Endpoint(
        "attach",
        "POST",
        T + "/attachments/",
        (401, 201, 404, Acts(201), Acts(201), Acts(201), 201, 201),
        attached,
        data=lambda world: {"files": [SimpleUploadedFile("log.txt", b"error at 10:02", content_type="text/plain")]},
        format="multipart",
    ),
    Endpoint(
        "download",
        "GET",
        "/api/v1/attachments/{public_file}/",
        READ,
        downloaded(PUBLIC_FILE),
        setup=ticket_with_reply_and_internal_note,
    ),
    Endpoint(
        "download-internal",
        "GET",
        "/api/v1/attachments/{internal_file}/",
        STAFF_READ,
        downloaded(INTERNAL_FILE),
        setup=ticket_with_reply_and_internal_note,
    ),
    Endpoint("events", "GET", T + "/events/", READ, events_listed, setup=ticket_with_reply_and_internal_note),
    Endpoint("sla", "GET", T + "/sla/", READ, sla_shown),
    Endpoint("categories", "GET", "/api/v1/categories/", EVERYONE, categories_listed, setup=no_ticket, levels=(1,)),
    Endpoint("levels", "GET", "/api/v1/levels/", EVERYONE, levels_listed, setup=no_ticket, levels=(1,)),
    Endpoint("me", "GET", "/api/v1/me/", EVERYONE, me_shown, setup=no_ticket, levels=(1,)),
    Endpoint("schema", "GET", "/api/schema/", (200,) * len(ROLES), schema_served, setup=no_ticket, levels=(1,)),
]


def _cells():
    for endpoint in ENDPOINTS:
        for level in endpoint.levels:
            for role in ROLES:
                yield pytest.param(endpoint, level, role, "force", id=f"{endpoint.name}-L{level}-{role}")
            yield pytest.param(endpoint, level, TOKEN_ROLE, "token", id=f"{endpoint.name}-L{level}-{TOKEN_ROLE}-token")


CELLS = list(_cells())


def state(world: World) -> dict:
    """Everything a refused request must leave alone."""
    return {
        "ticket": Ticket.objects.filter(pk=world.ticket.pk).values().get() if world.ticket else None,
        "tickets": Ticket.objects.count(),
        "events": TicketEvent.objects.count(),
        "comments": Comment.objects.count(),
        "attachments": Attachment.objects.count(),
    }


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), CELLS)
def test_permission_matrix(endpoint: Endpoint, level: int, role: str, auth: str):
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
    else:
        assert after["events"] > before["events"]


def test_the_matrix_covers_every_role_and_every_operation_of_the_schema():
    assert {role for *_rest, role, auth in (cell.values for cell in CELLS) if auth == "force"} == set(ROLES)
    response = APIClient().get("/api/schema/", {"format": "json"})
    operations = {
        (method.upper(), path.replace("{reference}", "{ref}").replace("{id}", "{file}"))
        for path, methods in response.json()["paths"].items()
        for method in methods
    }
    covered = {
        (endpoint.method, endpoint.path.replace("{public_file}", "{file}").replace("{internal_file}", "{file}"))
        for endpoint in ENDPOINTS
    }
    assert operations <= covered, operations - covered
