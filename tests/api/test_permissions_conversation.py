"""Who may read and add to a ticket's conversation through the API: its comments (public
replies and internal notes), its attachments and their downloads, and its audit events, for
every role (the matrix: tests/api/permission_matrix.py)."""

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.permission_matrix import (
    READ,
    STAFF,
    STAFF_READ,
    Acts,
    Endpoint,
    T,
    World,
    cell_check,
    cells,
    last_event,
)
from tests.factories import TicketFactory, make_supervisor
from tickets import services
from tickets.choices import EventKind
from tickets.models import Attachment, Comment

pytestmark = pytest.mark.django_db

PUBLIC_REPLY = "Please restart the printer."
INTERNAL_NOTE = "The fuser is worn out; order a new one."
PUBLIC_FILE = b"public reply file"
INTERNAL_FILE = b"internal note file"


# --- setups


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


# --- what an allowed request must have done (or shown)


def staff(world: World) -> bool:
    return world.role in STAFF


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


# --- the endpoints


ENDPOINTS = [
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
]

CELLS = list(cells(ENDPOINTS))


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), CELLS)
def test_permission_matrix(endpoint: Endpoint, level: int, role: str, auth: str):
    cell_check(endpoint, level, role, auth)
