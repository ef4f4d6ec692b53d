"""Who may see and change who follows a ticket, its links, and merge it, through the API
(the matrix: tests/api/permission_matrix.py). Whoever reads a ticket reads who follows it
(names, never addresses) and the links to tickets they may read; the requester and staff
at its level copy colleagues in; any member of staff follows; links and merges are for
staff at the ticket's level (a merge's target is at the same level here)."""

import pytest

from tests.api.permission_matrix import READ, Acts, Endpoint, T, World, cell_check, cells
from tests.factories import TicketFactory, make_requester
from tickets.choices import EventKind, LinkKind
from tickets.models import Ticket, TicketEvent, TicketLink, TicketWatcher

pytestmark = pytest.mark.django_db

# Columns: anonymous, owner, other requester, agent L1, agent L2, agent L3, supervisor, admin
COPY_IN = (401, 201, 404, Acts(201), Acts(201), Acts(201), 201, 201)
FOLLOW = (401, 403, 404, 201, 201, 201, 201, 201)
TAKE_OFF = (401, 204, 404, Acts(204), Acts(204), Acts(204), 204, 204)
LINK = (401, 403, 404, Acts(201), Acts(201), Acts(201), 201, 201)
UNLINK = (401, 403, 404, Acts(204), Acts(204), Acts(204), 204, 204)
MERGE = (401, 403, 404, Acts(200), Acts(200), Acts(200), 200, 200)
COLLEAGUE = "sari.colleague@example.com"


def followed_and_linked(level: int) -> World:
    """A ticket a colleague follows, linked to another; a third ticket of the same level
    (to link or merge into), and a colleague who could be copied in."""
    ticket = TicketFactory(level=level, status="open")
    watcher = TicketWatcher.objects.create(ticket=ticket, user=make_requester(email="w@example.com"))
    other = TicketFactory(level=level, status="open", requester=ticket.requester)
    link = TicketLink.objects.create(from_ticket=ticket, to_ticket=other, kind=LinkKind.CAUSED_BY)
    target = TicketFactory(level=level, status="open")
    make_requester(email=COLLEAGUE)
    return World(
        level=level,
        ticket=ticket,
        ids={"watcher": watcher.user_id, "link": link.pk, "other": other.reference, "target": target.reference},
    )


def watchers_listed(world: World, response) -> None:
    [row] = response.json()
    assert row["user"]["id"] == world.ids["watcher"]
    assert "w@example.com" not in response.content.decode()


def colleague_copied_in(world: World, response) -> None:
    assert response.json()["user"]["username"]
    assert TicketWatcher.objects.filter(ticket=world.ticket, user__email=COLLEAGUE, added_by=world.actor).exists()
    assert COLLEAGUE not in response.content.decode()


def actor_follows(world: World, response) -> None:
    assert response.json()["user"]["id"] == world.actor.pk
    assert TicketWatcher.objects.filter(ticket=world.ticket, user=world.actor).exists()


def watcher_taken_off(world: World, response) -> None:
    assert not TicketWatcher.objects.filter(ticket=world.ticket, user_id=world.ids["watcher"]).exists()
    assert TicketEvent.objects.filter(ticket=world.ticket, kind=EventKind.WATCHER_REMOVED, actor=world.actor).exists()


def links_listed(world: World, response) -> None:
    [row] = response.json()
    assert (row["ticket"], row["kind"], row["direction"], row["relation"]) == (
        world.ids["other"],
        "caused_by",
        "outgoing",
        "Caused by",
    )


def linked(world: World, response) -> None:
    assert (response.json()["ticket"], response.json()["relation"]) == (world.ids["target"], "Duplicate of")
    assert TicketLink.objects.filter(from_ticket=world.ticket, kind=LinkKind.DUPLICATE).exists()


def unlinked(world: World, response) -> None:
    assert not TicketLink.objects.filter(pk=world.ids["link"]).exists()


def merged(world: World, response) -> None:
    assert response.json()["reference"] == world.ids["target"]
    ticket = Ticket.objects.get(pk=world.ticket.pk)
    assert (ticket.status, ticket.merged_into.reference) == ("closed", world.ids["target"])


ENDPOINTS = [
    Endpoint("watchers", "GET", T + "/watchers/", READ, watchers_listed, setup=followed_and_linked),
    Endpoint(
        "watchers-copy-in",
        "POST",
        T + "/watchers/",
        COPY_IN,
        colleague_copied_in,
        setup=followed_and_linked,
        data=lambda world: {"email": COLLEAGUE.upper()},
    ),
    Endpoint(
        "watchers-follow",
        "POST",
        T + "/watchers/",
        FOLLOW,
        actor_follows,
        setup=followed_and_linked,
        data=lambda world: {},
    ),
    Endpoint(
        "watcher-remove", "DELETE", T + "/watchers/{watcher}/", TAKE_OFF, watcher_taken_off, setup=followed_and_linked
    ),
    Endpoint("links", "GET", T + "/links/", READ, links_listed, setup=followed_and_linked),
    Endpoint(
        "links-add",
        "POST",
        T + "/links/",
        LINK,
        linked,
        setup=followed_and_linked,
        data=lambda world: {"to": world.ids["target"], "kind": "duplicate"},
    ),
    Endpoint("link-remove", "DELETE", T + "/links/{link}/", UNLINK, unlinked, setup=followed_and_linked),
    Endpoint(
        "merge",
        "POST",
        T + "/merge/",
        MERGE,
        merged,
        setup=followed_and_linked,
        data=lambda world: {"into": world.ids["target"]},
    ),
]


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), list(cells(ENDPOINTS)))
def test_permission_matrix(endpoint, level, role, auth):
    cell_check(endpoint, level, role, auth)
