import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets.choices import Status

pytestmark = pytest.mark.django_db

PAGES = ["/reports/", "/reports/live/", "/reports/export/compliance.csv", "/reports/export/tickets.csv"]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.parametrize("url", [*PAGES, "/reports/monthly/"])
def test_requesters_may_not_see_reports_or_exports(client, url):
    client.force_login(make_requester())
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("maker", [make_supervisor, lambda: make_agent(1, is_superuser=True)])
def test_supervisors_and_admins_see_everything(client, maker):
    client.force_login(maker())
    for url in [*PAGES, "/reports/monthly/"]:
        assert client.get(url).status_code == 200, url


def test_an_agent_sees_only_their_own_figures_and_no_monthly_report(client):
    me = make_agent(1, first_name="Budi")
    other = make_agent(1, first_name="Wati")
    now = timezone.now()
    TicketFactory(assignee=me, created_at=now - timedelta(hours=2), subject="Mine")
    TicketFactory(assignee=other, created_at=now - timedelta(hours=2), subject="Theirs")
    TicketFactory(assignee=other, created_at=now - timedelta(hours=3), subject="Theirs too")
    client.force_login(me)
    response = client.get("/reports/")
    assert response.status_code == 200
    assert "agent" not in response.context["form"].fields
    assert response.context["report"].filters.agent_id == me.pk
    assert [row["agent"] for row in response.context["report"].workload] == [str(me)]
    assert sum(row["tickets"] for row in response.context["report"].channels) == 1
    # Asking for someone else's figures changes nothing.
    response = client.get("/reports/", {"preset": "7d", "agent": other.pk})
    assert response.context["report"].filters.agent_id == me.pk
    exported = rows(client.get("/reports/export/tickets.csv", {"agent": other.pk}))
    assert [row[1] for row in exported[1:]] == ["Mine"]
    assert client.get("/reports/monthly/").status_code == 403


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"preset": "custom", "start": "2026-03-10", "end": "2026-03-01"}, "end", "must end on or after"),
        ({"preset": "custom", "start": "2024-01-01", "end": "2026-03-01"}, "end", "at most 366 days"),
        ({"preset": "custom", "start": "not-a-date", "end": "2026-03-01"}, "start", "Enter a valid date"),
        ({"preset": "custom", "end": "2026-03-01"}, "start", "first day of the period"),
        ({"preset": "yesterday"}, "preset", "Select a valid choice"),
        ({"level": "7"}, "level", "Select a valid choice"),
        ({"category": "999999"}, "category", "Select a valid choice"),
    ],
)
def test_bad_filters_are_explained_never_a_server_error(client, params, field, message):
    client.force_login(make_supervisor())
    response = client.get("/reports/", params)
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert client.get("/reports/export/trend.csv", params).status_code == 400
    assert client.get("/reports/live/", params).status_code == 400


def test_the_monthly_report_refuses_a_month_not_begun_and_a_bad_month(client):
    client.force_login(make_supervisor())
    assert client.get("/reports/monthly/", {"month": "2999-01"}).status_code == 400
    assert client.get("/reports/monthly/", {"month": "March"}).status_code == 400


def test_unknown_export_is_not_found(client):
    client.force_login(make_supervisor())
    assert client.get("/reports/export/passwords.csv").status_code == 404


def test_the_ticket_export_streams_every_ticket_of_the_period_and_defuses_formulas(client):
    now = timezone.now()
    for n in range(5):
        TicketFactory(created_at=now - timedelta(hours=n + 1), subject=f"Printer {n}")
    TicketFactory(created_at=now - timedelta(hours=1), subject='=HYPERLINK("http://evil")')
    TicketFactory(created_at=now - timedelta(days=60), subject="Too old")
    client.force_login(make_supervisor())
    response = client.get("/reports/export/tickets.csv", {"preset": "7d"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    table = rows(response)
    assert table[0][:3] == ["Ticket", "Subject", "Status"]
    assert all(row[0].startswith("HD-") for row in table[1:])
    subjects = [row[1] for row in table[1:]]
    assert len(subjects) == 6
    assert "Too old" not in subjects
    assert '\'=HYPERLINK("http://evil")' in subjects


def test_every_table_exports(client):
    agent = make_agent(1)
    now = timezone.now()
    TicketFactory(
        assignee=agent,
        created_at=now - timedelta(hours=3),
        first_response_at=now - timedelta(hours=2),
        first_response_due_at=now - timedelta(hours=1),
        resolved_at=now - timedelta(hours=1),
        resolution_due_at=now,
        status=Status.RESOLVED,
    )
    client.force_login(make_supervisor())
    for name in ("compliance", "response", "funnel", "workload", "aging", "channels", "categories", "trend"):
        table = rows(client.get(f"/reports/export/{name}.csv", {"preset": "7d"}))
        assert len(table) >= 2, name
    [header, *data] = rows(client.get("/reports/export/response.csv", {"preset": "7d"}))
    assert data == [["1", "4", "1", "60.0", "60.0", "1", "120.0", "120.0"]]
    monthly = rows(client.get("/reports/monthly/", {"month": timezone.localdate().strftime("%Y-%m"), "format": "csv"}))
    assert monthly[1][:3] == ["1", "4", "1"]


def test_queries_per_page_do_not_grow_with_the_data(client):
    client.force_login(make_supervisor())
    agents = [make_agent(1), make_agent(2)]

    def count() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/reports/").status_code == 200
        return len(queries)

    few = count()
    now = timezone.now()
    for n in range(40):
        TicketFactory(
            assignee=agents[n % 2],
            level=1 + n % 3,
            created_at=now - timedelta(hours=n),
            resolved_at=now - timedelta(minutes=n) if n % 2 else None,
            status=Status.RESOLVED if n % 2 else Status.OPEN,
        )
    make_agent(3)
    assert count() == few


# Expiry is the cache's own: the in-memory cache follows the travelling clock, Redis (when
# HELPDESK_CACHE_URL is set) keeps real time.
@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_figures_are_cached_but_never_older_than_a_minute(client):
    client.force_login(make_supervisor())
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        TicketFactory(created_at=start - timedelta(hours=1))
        first = client.get("/reports/").context["report"]
        TicketFactory(created_at=start - timedelta(hours=1))
        again = client.get("/reports/").context["report"]
        assert sum(r["tickets"] for r in again.channels) == sum(r["tickets"] for r in first.channels) == 1
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        later = client.get("/reports/").context["report"]
        assert sum(r["tickets"] for r in later.channels) == 2


def test_the_ticket_export_names_people_as_the_pages_do(client):
    now = timezone.now()
    requester = make_requester(username="user1893", first_name="Siti", last_name="Rahma")
    agent = make_agent(1, username="agent1", first_name="Budi", last_name="")
    nameless = make_agent(1, username="agent7", first_name="", last_name="")
    TicketFactory(requester=requester, assignee=agent, created_at=now - timedelta(hours=3), subject="Named")
    TicketFactory(requester=requester, assignee=nameless, created_at=now - timedelta(hours=2), subject="Nameless")
    TicketFactory(requester=requester, created_at=now - timedelta(hours=1), subject="Nobody")
    client.force_login(make_supervisor())
    header, *data = rows(client.get("/reports/export/tickets.csv", {"preset": "7d"}))
    people = {row[1]: (row[header.index("Requester")], row[header.index("Assignee")]) for row in data}
    assert people == {
        "Named": (str(requester), str(agent)),
        "Nameless": ("Siti Rahma", "agent7"),
        "Nobody": ("Siti Rahma", ""),
    }
    assert str(agent) == "Budi"


def test_the_ticket_export_writes_each_moment_to_the_minute_in_the_reader_s_time_zone(client):
    """Database and Python write the same text: PostgreSQL formats the moments itself,
    other databases' rows are formatted as they stream (both run: tests/reports/test_on_sqlite.py)."""
    from datetime import UTC, datetime

    filed = datetime(2026, 3, 2, 1, 5, 59, tzinfo=UTC)  # 08:05 in Jakarta, 10:05 in Jayapura
    TicketFactory(
        created_at=filed,
        first_response_at=filed + timedelta(minutes=30),
        resolution_due_at=filed + timedelta(hours=23),  # past midnight there
        subject="Timed",
    )
    reader = make_supervisor(time_zone="Asia/Jayapura")
    client.force_login(reader)
    with time_machine.travel(filed + timedelta(days=1), tick=False):
        header, *data = rows(
            client.get("/reports/export/tickets.csv", {"preset": "custom", "start": "2026-03-01", "end": "2026-03-03"})
        )
    [row] = [row for row in data if row[1] == "Timed"]
    shown = {name: row[header.index(name)] for name in ("Created", "First response", "Resolved", "Resolution due")}
    assert shown == {
        "Created": "2026-03-02 10:05",
        "First response": "2026-03-02 10:35",
        "Resolved": "",
        "Resolution due": "2026-03-03 09:05",
    }
