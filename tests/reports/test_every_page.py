"""Every report page and export answers, for each role that may see it and with awkward
filters, on a small history that leaves holes (a level and priority with tickets filed but
none answered, tickets without a category or an assignee, an empty day, a month not yet
answered in). tests/reports/test_on_sqlite.py runs this module on SQLite as well."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from tests.factories import TicketFactory, category, make_agent, make_supervisor
from tickets.choices import Channel, EventKind, Status
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
# Early on the 2nd of March: the month has begun, some of its tickets are not answered yet.
NOW = datetime(2026, 3, 2, 7, 30, tzinfo=WIB)
H = timedelta(hours=1)
EXPORTS = ("compliance", "response", "funnel", "workload", "aging", "channels", "categories", "trend", "tickets")

FILTERS = {
    "default": {},
    "today": {"preset": "today"},
    "last 7 days": {"preset": "7d"},
    "this month": {"preset": "month"},
    "one empty day": {"preset": "custom", "start": "2025-12-25", "end": "2025-12-25"},
    "a leap day": {"preset": "custom", "start": "2024-02-29", "end": "2024-02-29"},
    "the longest period": {"preset": "custom", "start": "2025-03-02", "end": "2026-03-02"},
    "a period in the future": {"preset": "custom", "start": "2026-04-01", "end": "2026-04-30"},
    "Level III only": {"preset": "30d", "level": "3"},
    "a category without tickets": {"preset": "30d", "category": "procurement"},
    "one agent": {"preset": "30d", "agent": "agent"},
    "everything at once": {
        "preset": "custom",
        "start": "2026-02-01",
        "end": "2026-03-02",
        "level": "1",
        "agent": "agent",
    },
    # Dates with a preset that is not "custom" still narrow the period.
    "dates with a preset": {"preset": "7d", "start": "2026-02-20", "end": "2026-02-28"},
}
MONTHS = {
    "default": {},
    "this month": {"month": "2026-03"},
    "last month": {"month": "2026-02"},
    "empty": {"month": "2024-02"},
}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people(clock):
    agent = make_agent(1, 2, first_name="Budi", last_name="Santoso")
    other = make_agent(3, first_name="Wati")
    make_agent(2, first_name="Idle")
    supervisor = make_supervisor(first_name="Sari", time_zone="Asia/Jayapura")
    admin = make_agent(1, is_superuser=True, first_name="Root")
    return {"agent": agent, "other": other, "supervisor": supervisor, "admin": admin}


@pytest.fixture
def history(people):
    """Tickets across the last two months, with their audit events."""
    agent, other = people["agent"], people["other"]
    pc = category("PC and laptop")
    server = category("Server down")

    def ticket(created, *, level=1, events=(), **fields):
        t = TicketFactory(created_at=created, level=level, **fields)
        TicketEvent.objects.create(
            ticket=t,
            kind=EventKind.CREATED,
            field="level",
            to_value=str(events[0] if events else level),
            created_at=created,
        )
        for n, (kind, old, new) in enumerate(events[1:], 1):
            TicketEvent.objects.create(
                ticket=t, kind=kind, field="level", from_value=str(old), to_value=str(new), created_at=created + n * H
            )
        return t

    # Answered and resolved last month, at Level I, in time.
    for n in range(4):
        created = NOW - timedelta(days=20 + n)
        ticket(
            created,
            priority=2 + n % 3,
            category=pc,
            assignee=agent,
            first_response_at=created + H,
            first_response_due_at=created + 2 * H,
            resolved_at=created + 5 * H,
            resolution_due_at=created + 8 * H,
            status=Status.CLOSED,
            channel=Channel.EMAIL,
        )
    # Escalated twice, resolved late at Level III, by the other agent.
    created = NOW - timedelta(days=10)
    ticket(
        created,
        level=3,
        priority=1,
        category=server,
        assignee=other,
        events=[1, (EventKind.ESCALATED, 1, 2), (EventKind.ESCALATED, 2, 3)],
        first_response_at=created + 2 * H,
        first_response_due_at=created + H,
        resolved_at=created + 30 * H,
        resolution_due_at=created + 4 * H,
        status=Status.RESOLVED,
        subject='=HYPERLINK("http://example.com") 🖨️ ünïcode',
    )
    # Filed this month at Level II, P1, nobody has answered yet: compliance has the row,
    # response times do not.
    ticket(
        NOW - H,
        level=2,
        priority=1,
        first_response_due_at=NOW - 0.5 * H,
        resolution_due_at=NOW + 3 * H,
        status=Status.NEW,
    )
    # Open, unassigned, no category, filed by phone a week ago and past due.
    ticket(NOW - timedelta(days=7), priority=4, channel=Channel.PHONE, resolution_due_at=NOW - H, status=Status.OPEN)
    # Sent back down and escalated again, pending on the customer.
    created = NOW - timedelta(days=3)
    ticket(
        created,
        level=2,
        priority=3,
        assignee=agent,
        events=[1, (EventKind.ESCALATED, 1, 2), (EventKind.DE_ESCALATED, 2, 1), (EventKind.ESCALATED, 1, 2)],
        first_response_at=created + H,
        status=Status.PENDING,
    )
    # Two years old and still open.
    ticket(NOW - timedelta(days=700), priority=3, assignee=agent, status=Status.OPEN)


def rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def query(params: dict, people: dict) -> dict:
    resolved = dict(params)
    if resolved.get("agent") == "agent":
        resolved["agent"] = people["agent"].pk
    if resolved.get("category") == "procurement":
        resolved["category"] = category("Procurement request").pk
    return resolved


def check_every_range_page(client, params: dict) -> None:
    page = client.get("/reports/", params)
    assert page.status_code == 200, page.content.decode()[:2000]
    assert page.context["report"] is not None
    live = client.get("/reports/live/", params)
    assert live.status_code == 200
    assert live.context["live"] is not None
    for name in EXPORTS:
        response = client.get(f"/reports/export/{name}.csv", params)
        assert response.status_code == 200, name
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        header, *data = rows(response)
        assert header, name
        assert all(len(row) == len(header) for row in data), name


@pytest.mark.parametrize("role", ["supervisor", "admin", "agent"])
@pytest.mark.parametrize("name", list(FILTERS))
def test_every_range_page_and_export_answers(client, history, people, role, name):
    client.force_login(people[role])
    check_every_range_page(client, query(FILTERS[name], people))


@pytest.mark.parametrize("role", ["supervisor", "admin"])
@pytest.mark.parametrize("name", list(MONTHS))
def test_the_monthly_report_prints_and_exports_every_month(client, history, people, role, name):
    client.force_login(people[role])
    page = client.get("/reports/monthly/", MONTHS[name])
    assert page.status_code == 200, page.content.decode()[:2000]
    assert len(page.context["levels"]) == 3
    header, *data = rows(client.get("/reports/monthly/", {**MONTHS[name], "format": "csv"}))
    assert header[:2] == ["Level", "Priority"]
    assert all(len(row) == len(header) for row in data)


def test_a_level_with_tickets_filed_but_none_answered_shows_dashes_on_the_monthly_report(client, history, people):
    client.force_login(people["supervisor"])
    page = client.get("/reports/monthly/", {"month": "2026-03"})
    assert page.status_code == 200
    [level_ii] = [level for level in page.context["levels"] if level["level"] == 2]
    [p1] = level_ii["rows"]
    assert (p1["priority"], p1["tickets"]) == (1, 1)
    assert (p1["speed"]["mtta_p50"], p1["speed"]["mttr_p50"], p1["speed"]["mttr_p90"]) == (None, None, None)
    section = page.content.decode().split('data-testid="monthly-level-2"')[1].split("</section>")[0]
    assert section.count("<td>—</td>") >= 3


def test_the_agents_figures_are_their_own_on_every_export(client, history, people):
    client.force_login(people["agent"])
    header, *data = rows(
        client.get("/reports/export/workload.csv", {"preset": "custom", "start": "2025-03-02", "end": "2026-03-02"})
    )
    assert [row[0] for row in data] == [str(people["agent"])]
    header, *data = rows(
        client.get("/reports/export/tickets.csv", {"preset": "custom", "start": "2025-03-02", "end": "2026-03-02"})
    )
    assert len(data) == 5
    assert client.get("/reports/monthly/").status_code == 403


def test_the_period_is_cut_in_the_viewers_time_zone(client, history, people):
    client.force_login(people["supervisor"])  # in Jayapura
    page = client.get("/reports/", {"preset": "today"})
    assert page.context["filters"].time_zone == "Asia/Jayapura"
    assert page.context["filters"].start == timezone.localtime(NOW, ZoneInfo("Asia/Jayapura")).date()
