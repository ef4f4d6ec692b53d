"""The time API with hostile input (never a 500, nothing saved), the timer through the
API, and the reports API giving the page's own figures for the page's own filters."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from tests.api.support import client_for, error
from tests.factories import TicketFactory, make_agent, make_supervisor
from tickets.models import TicketEvent, TimeEntry

pytestmark = pytest.mark.django_db

HOSTILE_DURATIONS = [
    "' \" < > &",
    "😀",
    "ü" * 250,
    "30\r\nX: 1",
    "",
    "9" * 400,
    "-30",
    "0",
    "1441",
    "25h",
    "1:75",
    "\x00",
]
HOSTILE_MINUTES = [0, -1, 1441, 10**30, "abc", "😀", [], {}, None, 1.5, "1h"]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("value", HOSTILE_DURATIONS)
def test_a_hostile_duration_is_a_400_and_nothing_is_recorded(value):
    ticket = TicketFactory(level=1, status="open")
    response = client_for(make_agent(1)).post(
        f"/api/v1/tickets/{ticket.reference}/time/", {"duration": value}, format="json"
    )
    assert response.status_code == 400, response.content
    assert error(response)["fields"]
    assert not TimeEntry.objects.exists() and not TicketEvent.objects.exists()


def test_a_line_break_in_a_duration_is_read_as_a_space():
    ticket = TicketFactory(level=1, status="open")
    response = client_for(make_agent(1)).post(
        f"/api/v1/tickets/{ticket.reference}/time/", {"duration": "1h\r\n30m"}, format="json"
    )
    assert response.status_code == 201 and response.json()["minutes"] == 90


@pytest.mark.parametrize("value", HOSTILE_MINUTES, ids=repr)
def test_hostile_minutes_are_a_400_and_nothing_is_recorded(value):
    ticket = TicketFactory(level=1, status="open")
    response = client_for(make_agent(1)).post(
        f"/api/v1/tickets/{ticket.reference}/time/", {"minutes": value}, format="json"
    )
    assert response.status_code == 400, response.content
    error(response)
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize("body", [{}, {"minutes": 5, "duration": "5"}, [], "90", {"duration": ["90"]}], ids=repr)
def test_a_body_without_exactly_one_time_is_a_400(body):
    ticket = TicketFactory(level=1, status="open")
    response = client_for(make_agent(1)).post(f"/api/v1/tickets/{ticket.reference}/time/", body, format="json")
    assert response.status_code == 400
    error(response)
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize("action", ["", "START", "😀", "' \" < > &", None, 1, ["start"]], ids=repr)
def test_a_hostile_timer_action_is_a_400(action):
    ticket = TicketFactory(level=1, status="open")
    response = client_for(make_agent(1)).post(
        f"/api/v1/tickets/{ticket.reference}/time/timer/", {"action": action}, format="json"
    )
    assert response.status_code == 400
    error(response)
    assert not TimeEntry.objects.exists()


def test_the_timer_runs_on_the_server_between_requests():
    ticket = TicketFactory(level=1, status="open")
    client = client_for(make_agent(1))
    url = f"/api/v1/tickets/{ticket.reference}/time/timer/"
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.post(url, {"action": "start"}, format="json").json()["running"] is True
        again = client.post(url, {"action": "start"}, format="json")
        assert again.status_code == 409 and error(again)["code"]
    with time_machine.travel(start + timedelta(minutes=29, seconds=30), tick=False):
        stopped = client.post(url, {"action": "stop"}, format="json").json()
    assert stopped["running"] is False and stopped["recorded"]["minutes"] == 30 and stopped["recorded"]["timer"]
    assert client.post(url, {"action": "stop"}, format="json").status_code == 409
    listed = client.get(f"/api/v1/tickets/{ticket.reference}/time/").json()
    assert [row["minutes"] for row in listed] == [30]


def test_an_entry_of_someone_else_or_of_another_ticket_is_not_removed():
    ticket = TicketFactory(level=1, status="open")
    owner = make_agent(1)
    entry = TimeEntry.objects.create(ticket=ticket, agent=owner, minutes=5, ended_at=timezone.now())
    other = TicketFactory(level=1, status="open")
    assert client_for(make_agent(1)).delete(f"/api/v1/tickets/{ticket.reference}/time/{entry.pk}/").status_code == 403
    assert client_for(owner).delete(f"/api/v1/tickets/{other.reference}/time/{entry.pk}/").status_code == 400
    assert client_for(owner).delete(f"/api/v1/tickets/{ticket.reference}/time/999999999/").status_code == 400
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


# --- the reports API


def test_the_reports_api_gives_the_pages_figures_for_the_same_filters(client):
    supervisor = make_supervisor()
    agent = make_agent(2, first_name="Budi")
    ticket = TicketFactory(level=2, status="open")
    TimeEntry.objects.create(ticket=ticket, agent=agent, minutes=75, ended_at=timezone.now())
    params = {"preset": "7d", "level": "2"}
    client.force_login(supervisor)
    page = client.get("/reports/", params).context["report"]
    body = client_for(supervisor).get("/api/v1/reports/", params).json()
    assert body["time"]["totals"] == page.time["totals"] == {"minutes": 75, "entries": 1, "tickets": 1}
    assert body["time"]["agents"][0]["label"] == "Budi" and body["time"]["agents"][0]["id"] == agent.pk
    assert body["time"]["tickets"][0]["reference"] == ticket.reference
    assert body["period"]["level"] == 2
    assert body["funnel"]["created"] == page.funnel["created"]
    assert [row["tickets"] for row in body["channels"]] == [row["tickets"] for row in page.channels]
    assert len(body["trend"]) == 7


HOSTILE_FILTERS = ["0001-01-01", "9999-12-31", "-1", str(10**30), "abc", "2026-03-01\r\nX: 1", "😀", "\x00", "' \" < >"]


@pytest.mark.parametrize("value", HOSTILE_FILTERS)
@pytest.mark.parametrize("name", ["preset", "start", "end", "level", "category", "agent"])
def test_a_hostile_report_filter_is_a_400_never_a_server_error(name, value):
    params = {"preset": "custom", "start": "2026-01-01", "end": "2026-01-31", name: value}
    response = client_for(make_supervisor()).get("/api/v1/reports/", params)
    assert response.status_code == 400, response.content
    assert name in error(response)["fields"] or "end" in error(response)["fields"]


def test_a_period_past_the_longest_is_a_400():
    response = client_for(make_supervisor()).get(
        "/api/v1/reports/", {"preset": "custom", "start": "2020-01-01", "end": "2026-01-01"}
    )
    assert response.status_code == 400
    assert "end" in error(response)["fields"]
