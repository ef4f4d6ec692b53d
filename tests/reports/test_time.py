"""Time spent in the reports: the time recorded in the period per agent, level, category
and ticket, for the page's filters; an agent sees only their own time; the CSV carries it;
the number of queries does not grow with the data."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports.selectors import ReportFilters, time_figures
from tests.factories import TicketFactory, category, make_agent, make_requester, make_supervisor
from tests.reports.test_pages import rows
from tickets.models import TimeEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def entry(ticket, agent, minutes, *, days_ago=0):
    return TimeEntry.objects.create(
        ticket=ticket, agent=agent, minutes=minutes, ended_at=timezone.now() - timedelta(days=days_ago)
    )


def recorded_world():
    rina, budi = make_agent(1, first_name="Rina"), make_agent(2, first_name="Budi")
    printer = TicketFactory(level=1, status="open", category=category("Printer and scanner"), subject="Jam")
    server = TicketFactory(level=2, status="open", category=category("Server down"), subject="Down")
    entry(printer, rina, 30)
    entry(printer, rina, 15)
    entry(server, budi, 90)
    entry(server, rina, 10)
    entry(server, budi, 600, days_ago=60)  # before the period
    TimeEntry.objects.create(ticket=server, agent=budi, started_at=timezone.now())  # still running
    return rina, budi, printer, server


def last_30_days() -> ReportFilters:
    today = timezone.localdate()
    return ReportFilters(start=today - timedelta(days=29), end=today)


def test_time_is_summed_per_agent_level_category_and_ticket_in_the_period():
    rina, budi, printer, server = recorded_world()
    figures = time_figures(last_30_days())
    assert figures["totals"] == {"minutes": 145, "entries": 4, "tickets": 2}
    assert [(row["label"], row["minutes"], row["tickets"]) for row in figures["agents"]] == [
        ("Budi", 90, 1),
        ("Rina", 55, 2),
    ]
    assert [(row["level"], row["minutes"]) for row in figures["levels"]] == [(1, 45), (2, 100)]
    assert [(row["label"], row["minutes"]) for row in figures["categories"]] == [
        ("Server down", 100),
        ("Printer and scanner", 45),
    ]
    assert [(row["reference"], row["minutes"], row["entries"]) for row in figures["tickets"]] == [
        (server.reference, 100, 2),
        (printer.reference, 45, 2),
    ]


def test_the_filters_narrow_the_time():
    rina, budi, printer, server = recorded_world()
    base = last_30_days()
    by_level = time_figures(ReportFilters(start=base.start, end=base.end, level=2))
    assert by_level["totals"]["minutes"] == 100
    by_category = time_figures(ReportFilters(start=base.start, end=base.end, category_id=printer.category_id))
    assert by_category["totals"]["minutes"] == 45
    by_agent = time_figures(ReportFilters(start=base.start, end=base.end, agent_id=rina.pk))
    assert by_agent["totals"] == {"minutes": 55, "entries": 3, "tickets": 2}
    long_ago = time_figures(ReportFilters(start=date(2001, 1, 1), end=date(2001, 1, 31)))
    assert long_ago["totals"] == {"minutes": 0, "entries": 0, "tickets": 0}
    assert long_ago["agents"] == long_ago["tickets"] == []


def test_time_figures_are_five_queries_whatever_the_data(django_assert_num_queries):
    with django_assert_num_queries(5):
        time_figures(last_30_days())
    recorded_world()
    for n in range(30):
        entry(TicketFactory(level=1 + n % 3), make_agent(1 + n % 3), 5 + n)
    with django_assert_num_queries(5):
        figures = time_figures(last_30_days())
    assert len(figures["tickets"]) == 20


def test_the_reports_page_shows_time_in_a_constant_number_of_queries(client, django_assert_num_queries):
    client.force_login(make_supervisor())
    with CaptureQueriesContext(connection) as empty:
        assert client.get("/reports/").status_code == 200
    cache.clear()
    recorded_world()
    with django_assert_num_queries(len(empty)):
        page = client.get("/reports/")
    body = page.content.decode()
    assert 'data-testid="time-table"' in body and "2 h 25 min" in body


def test_an_agent_sees_only_the_time_they_recorded(client):
    rina, budi, printer, server = recorded_world()
    client.force_login(rina)
    report = client.get("/reports/").context["report"]
    assert report.time["totals"]["minutes"] == 55
    assert [row["label"] for row in report.time["agents"]] == ["Rina"]


def test_requesters_see_no_time_report(client):
    recorded_world()
    client.force_login(make_requester())
    assert client.get("/reports/export/time.csv").status_code == 403


def test_the_csv_carries_every_group_and_every_ticket(client):
    rina, budi, printer, server = recorded_world()
    client.force_login(make_supervisor())
    [header, *data] = rows(client.get("/reports/export/time.csv", {"preset": "30d"}))
    assert header == ["Grouped by", "Name", "Minutes", "Entries", "Tickets"]
    assert data[0] == ["All", "All time recorded", "145", "4", "2"]
    assert ["Agent", "Budi", "90", "1", "1"] in data
    assert ["Level", "Level II", "100", "2", "1"] in data
    assert ["Ticket", f"{server.reference} Down", "100", "2", "1"] in data
    assert ["Ticket", f"{printer.reference} Jam", "45", "2", "1"] in data
