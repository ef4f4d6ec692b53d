"""Who may snooze a ticket and keep reminders on it through the API: staff who work its
level snooze and wake it; any member of staff reads its reminders, sets their own and
cancels their own; requesters, the ticket's own included, do none of it (the matrix:
tests/api/permission_matrix.py). Then what the API does with bad times."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api.permission_matrix import ROLES, Acts, Endpoint, T, World, cell_check, cells, last_event
from tests.factories import TicketFactory, make_agent
from tickets.choices import EventKind
from tickets.models import Ticket, TicketEvent, TicketReminder

pytestmark = pytest.mark.django_db

# Columns: anonymous, owner, other requester, agent L1, agent L2, agent L3, supervisor, admin
SNOOZE = (401, 403, 404, Acts(200), Acts(200), Acts(200), 200, 200)
REMINDERS_READ = (401, 403, 404, 200, 200, 200, 200, 200)
REMINDER_SET = (401, 403, 404, 201, 201, 201, 201, 201)
OWN_REMINDER_CANCEL = (401, 403, 404, 204, 204, 204, 204, 204)


def _later(**delta) -> str:
    return (timezone.now() + timedelta(**delta)).isoformat()


# --- setups


def open_ticket(level: int) -> World:
    return World(level=level, ticket=TicketFactory(level=level, status="open"))


def snoozed_ticket(level: int) -> World:
    ticket = TicketFactory(level=level, status="open")
    Ticket.objects.filter(pk=ticket.pk).update(snoozed_until=timezone.now() + timedelta(days=1))
    return World(level=level, ticket=ticket)


def ticket_with_reminder(level: int) -> World:
    ticket = TicketFactory(level=level, status="open")
    someone = make_agent(level)
    reminder = TicketReminder.objects.create(
        ticket=ticket, agent=someone, remind_at=timezone.now() + timedelta(hours=3), note="Ring the telco"
    )
    return World(level=level, ticket=ticket, ids={"reminder": reminder.pk})


def the_reminder_is_the_actors(world: World) -> None:
    if world.actor is not None:
        TicketReminder.objects.filter(pk=world.ids["reminder"]).update(agent=world.actor)


# --- what an allowed request must have done (or shown)


def snoozed(world: World, response) -> None:
    assert response.json()["snoozed_until"] is not None
    assert Ticket.objects.get(pk=world.ticket.pk).snoozed_until is not None
    assert last_event(world).kind == EventKind.SNOOZED


def woken(world: World, response) -> None:
    assert response.json()["snoozed_until"] is None
    assert Ticket.objects.get(pk=world.ticket.pk).snoozed_until is None
    assert last_event(world).kind == EventKind.SNOOZE_ENDED


def reminders_listed(world: World, response) -> None:
    [row] = response.json()
    assert row["note"] == "Ring the telco" and row["id"] == world.ids["reminder"]


def reminder_set(world: World, response) -> None:
    reminder = TicketReminder.objects.get(pk=response.json()["id"])
    assert (reminder.agent, reminder.note) == (world.actor, "Call back <after> lunch & 🍜")
    assert last_event(world).kind == EventKind.REMINDER_SET


def reminder_cancelled(world: World, response) -> None:
    assert TicketReminder.objects.get(pk=world.ids["reminder"]).cancelled_at is not None
    assert last_event(world).kind == EventKind.REMINDER_CANCELLED


ENDPOINTS = [
    Endpoint(
        "snooze",
        "POST",
        T + "/snooze/",
        SNOOZE,
        snoozed,
        setup=open_ticket,
        data=lambda world: {"until": _later(hours=2)},
    ),
    Endpoint("snooze-end", "DELETE", T + "/snooze/", SNOOZE, woken, setup=snoozed_ticket),
    Endpoint("reminders", "GET", T + "/reminders/", REMINDERS_READ, reminders_listed, setup=ticket_with_reminder),
    Endpoint(
        "reminder-set",
        "POST",
        T + "/reminders/",
        REMINDER_SET,
        reminder_set,
        setup=open_ticket,
        data=lambda world: {"remind_at": _later(hours=1), "note": "Call back <after> lunch & 🍜"},
    ),
    Endpoint(
        "reminder-cancel",
        "DELETE",
        T + "/reminders/{reminder}/",
        OWN_REMINDER_CANCEL,
        reminder_cancelled,
        setup=ticket_with_reminder,
        prepare=the_reminder_is_the_actors,
    ),
]

CELLS = list(cells(ENDPOINTS))
assert len(ROLES) == 8


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), CELLS)
def test_permission_matrix(endpoint: Endpoint, level: int, role: str, auth: str):
    cell_check(endpoint, level, role, auth)


# --- hostile input


@pytest.fixture
def agent_client():
    agent = make_agent(1)
    client = APIClient()
    client.force_authenticate(agent)
    return agent, client


NAIVE = (timezone.now() + timedelta(hours=2)).replace(tzinfo=None).isoformat()
BAD_TIMES = [
    pytest.param(NAIVE, id="naive"),
    pytest.param("9999-12-31T23:59:59+00:00", id="far-future"),
    pytest.param("2000-01-01T00:00:00+07:00", id="past"),
    pytest.param(12345, id="number"),
    pytest.param(["2030-01-01T00:00:00Z"], id="list"),
    pytest.param({"at": "tomorrow"}, id="object"),
    pytest.param("", id="empty"),
    pytest.param("besok pagi 😴 <b>&</b>", id="words"),
    pytest.param("2026-13-45T25:61:00+07:00", id="impossible"),
    pytest.param("é" * 250, id="long-unicode"),
    pytest.param(None, id="null"),
]


@pytest.mark.parametrize("until", BAD_TIMES)
def test_a_bad_snooze_time_is_a_400_and_changes_nothing(agent_client, until):
    _agent, client = agent_client
    ticket = TicketFactory(level=1, status="open")
    events = TicketEvent.objects.count()
    response = client.post(f"/api/v1/tickets/{ticket.reference}/snooze/", {"until": until}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["message"]
    assert Ticket.objects.get(pk=ticket.pk).snoozed_until is None
    assert TicketEvent.objects.count() == events


@pytest.mark.parametrize("remind_at", BAD_TIMES)
def test_a_bad_reminder_time_is_a_400_and_saves_nothing(agent_client, remind_at):
    _agent, client = agent_client
    ticket = TicketFactory(level=1, status="open")
    response = client.post(
        f"/api/v1/tickets/{ticket.reference}/reminders/", {"remind_at": remind_at, "note": "x"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert not TicketReminder.objects.exists()


@pytest.mark.parametrize("note", ["x" * 201, 42, ["a"], "line\r\nbreak"])
def test_a_reminder_note_is_one_short_line(agent_client, note):
    _agent, client = agent_client
    ticket = TicketFactory(level=1, status="open")
    response = client.post(
        f"/api/v1/tickets/{ticket.reference}/reminders/", {"remind_at": _later(hours=1), "note": note}, format="json"
    )
    if note == "line\r\nbreak":
        assert response.status_code == 201
        assert TicketReminder.objects.get().note == "line break"
    elif note == 42:
        # A number is read as its text, as everywhere in the API.
        assert response.status_code == 201 and TicketReminder.objects.get().note == "42"
    else:
        assert response.status_code == 400
        assert not TicketReminder.objects.exists()


def test_snoozing_a_closed_ticket_is_a_409(agent_client):
    _agent, client = agent_client
    ticket = TicketFactory(level=1, status="closed")
    response = client.post(f"/api/v1/tickets/{ticket.reference}/snooze/", {"until": _later(hours=1)}, format="json")
    assert response.status_code == 409


def test_the_third_party_status_is_set_through_the_api(agent_client):
    _agent, client = agent_client
    ticket = TicketFactory(level=1, status="open")
    response = client.post(f"/api/v1/tickets/{ticket.reference}/status/", {"status": "thirdparty"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "thirdparty"
    assert (
        client.post(f"/api/v1/tickets/{ticket.reference}/status/", {"status": "vendor"}, format="json").status_code
        == 400
    )


def test_the_reminder_list_takes_constant_queries(agent_client, django_assert_max_num_queries):
    agent, client = agent_client
    ticket = TicketFactory(level=1, status="open")
    for hours in range(1, 8):
        TicketReminder.objects.create(
            ticket=ticket, agent=make_agent(1), remind_at=timezone.now() + timedelta(hours=hours)
        )
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/tickets/{ticket.reference}/reminders/")
    assert len(response.json()) == 7
