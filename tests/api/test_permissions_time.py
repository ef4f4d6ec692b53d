"""Who may see and record the time spent on a ticket through the API, and who sees the
reports' figures: staff read a ticket's time and those who work its level record it, run
their timer and remove their own entries; requesters, the ticket's own included, see none
of it. The reports API answers exactly whom the reports page answers (the matrix:
tests/api/permission_matrix.py)."""

import pytest
from django.utils import timezone

from tests.api.permission_matrix import ROLES, Acts, Endpoint, T, World, cell_check, cells, no_ticket
from tests.factories import TicketFactory, make_agent
from tickets.choices import EventKind
from tickets.models import TicketEvent, TimeEntry

pytestmark = pytest.mark.django_db

# Columns: anonymous, owner, other requester, agent L1, agent L2, agent L3, supervisor, admin
TIME_READ = (401, 403, 404, 200, 200, 200, 200, 200)
TIME_RECORD = (401, 403, 404, Acts(201), Acts(201), Acts(201), 201, 201)
TIMER = (401, 403, 404, Acts(200), Acts(200), Acts(200), 200, 200)
OWN_ENTRY_REMOVE = (401, 403, 404, Acts(204), Acts(204), Acts(204), 204, 204)
REPORTS = (401, 403, 403, 200, 200, 200, 200, 200)


# --- setups


def ticket_with_time(level: int) -> World:
    ticket = TicketFactory(level=level, status="open")
    someone = make_agent(level)
    entry = TimeEntry.objects.create(ticket=ticket, agent=someone, minutes=42, ended_at=timezone.now())
    return World(level=level, ticket=ticket, ids={"entry": entry.pk})


def the_entry_is_the_actors(world: World) -> None:
    """The entry becomes the actor's own, so what is refused is refused for who asks."""
    if world.actor is not None:
        TimeEntry.objects.filter(pk=world.ids["entry"]).update(agent=world.actor)


# --- what an allowed request must have done (or shown)


def time_listed(world: World, response) -> None:
    [row] = response.json()
    assert (row["minutes"], row["duration"], row["timer"]) == (42, "0:42", False)


def time_recorded(world: World, response) -> None:
    assert response.json()["minutes"] == 90
    entry = TimeEntry.objects.get(pk=response.json()["id"])
    assert (entry.agent, entry.minutes) == (world.actor, 90)
    assert TicketEvent.objects.filter(ticket=world.ticket, kind=EventKind.TIME_RECORDED, actor=world.actor).exists()


def timer_started(world: World, response) -> None:
    assert response.json()["running"] is True
    assert TimeEntry.objects.filter(ticket=world.ticket, agent=world.actor, ended_at__isnull=True).exists()


def entry_removed(world: World, response) -> None:
    assert not TimeEntry.objects.filter(pk=world.ids["entry"]).exists()
    assert TicketEvent.objects.filter(ticket=world.ticket, kind=EventKind.TIME_REMOVED, actor=world.actor).exists()


def report_shown(world: World, response) -> None:
    body = response.json()
    assert {"period", "compliance", "funnel", "workload", "satisfaction", "time"} <= set(body)
    # An agent's figures are their own, as on the page.
    personal = world.actor.has_perm("tickets.work_ticket") and not world.actor.has_perm("tickets.supervise_ticket")
    assert body["period"]["agent_id"] == (world.actor.pk if personal else None)


ENDPOINTS = [
    Endpoint("time", "GET", T + "/time/", TIME_READ, time_listed, setup=ticket_with_time),
    Endpoint(
        "time-record",
        "POST",
        T + "/time/",
        TIME_RECORD,
        time_recorded,
        setup=ticket_with_time,
        data=lambda world: {"duration": "1h 30m"},
    ),
    Endpoint(
        "timer-start",
        "POST",
        T + "/time/timer/",
        TIMER,
        timer_started,
        setup=ticket_with_time,
        data=lambda world: {"action": "start"},
        # Nothing is recorded until the timer stops, so nothing is audited yet.
        audited=False,
    ),
    Endpoint(
        "time-remove",
        "DELETE",
        T + "/time/{entry}/",
        OWN_ENTRY_REMOVE,
        entry_removed,
        setup=ticket_with_time,
        prepare=the_entry_is_the_actors,
    ),
    Endpoint("reports", "GET", "/api/v1/reports/", REPORTS, report_shown, setup=no_ticket, levels=(1,)),
]

CELLS = list(cells(ENDPOINTS))
assert len(ROLES) == 8


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), CELLS)
def test_permission_matrix(endpoint: Endpoint, level: int, role: str, auth: str):
    cell_check(endpoint, level, role, auth)
