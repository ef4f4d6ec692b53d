"""Satisfaction figures: ratings given in the period, overall and per agent, level and
category, on the page and in the CSV, with a query count that does not grow with data."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.selectors import ReportFilters, satisfaction_figures
from satisfaction.models import Rating
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets.models import Category

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
DAY = datetime(2026, 3, 10, 12, 0, tzinfo=JAKARTA)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def rate(score: int, *, agent, level: int = 1, category=None, at=DAY) -> Rating:
    ticket = TicketFactory(level=level, category=category, status="resolved", assignee=agent)
    return Rating.objects.create(
        ticket=ticket, requester=ticket.requester, score=score, agent=agent, level=level, category=category, rated_at=at
    )


def filters(**kwargs) -> ReportFilters:
    return ReportFilters(start=DAY.date(), end=DAY.date(), time_zone="Asia/Jakarta", **kwargs)


def test_the_figures_per_agent_level_and_category_over_the_period():
    andi, budi = make_agent(1, first_name="Andi", last_name=""), make_agent(2, first_name="Budi", last_name="")
    printers = Category.objects.get(name="Printer and scanner")
    rate(5, agent=andi, category=printers)
    rate(4, agent=andi)
    rate(1, agent=budi, level=2, category=printers)
    rate(2, agent=None, level=2)
    # Outside the period (the day before and the day after, in Jakarta): not counted.
    rate(1, agent=andi, at=DAY - timedelta(days=1))
    rate(1, agent=andi, at=datetime(2026, 3, 11, 0, 0, tzinfo=JAKARTA))
    figures = satisfaction_figures(filters())
    assert figures["totals"] == {"ratings": 4, "average": 3.0, "satisfied": 2, "satisfied_pct": 50.0, "low": 2}
    agents = {
        row["label"]: (row["ratings"], row["average"], row["satisfied_pct"], row["low"]) for row in figures["agents"]
    }
    assert agents == {"Andi": (2, 4.5, 100.0, 0), "Budi": (1, 1.0, 0.0, 1), "Nobody": (1, 2.0, 0.0, 1)}
    levels = {row["level"]: (row["ratings"], row["low"]) for row in figures["levels"]}
    assert levels == {1: (2, 0), 2: (2, 2)}
    categories = {row["label"]: row["ratings"] for row in figures["categories"]}
    assert categories == {"Printer and scanner": 2, "No category": 2}


def test_the_filters_narrow_the_ratings():
    andi, budi = make_agent(1), make_agent(2)
    rate(5, agent=andi)
    rate(1, agent=budi, level=2)
    assert satisfaction_figures(filters(agent_id=andi.pk))["totals"]["ratings"] == 1
    assert satisfaction_figures(filters(level=2))["totals"]["average"] == 1.0
    empty = satisfaction_figures(filters(category_id=Category.objects.first().pk))["totals"]
    assert empty == {"ratings": 0, "average": None, "satisfied": 0, "satisfied_pct": None, "low": 0}


def test_the_page_and_the_csv_show_them_and_an_agent_sees_only_their_own(client):
    andi, budi = make_agent(1, first_name="Andi"), make_agent(1, first_name="Budi")
    rate(5, agent=andi)
    rate(1, agent=budi)
    params = {"preset": "custom", "start": "2026-03-10", "end": "2026-03-10"}
    client.force_login(make_supervisor())
    page = client.get("/reports/", params).content.decode()
    assert 'data-testid="satisfaction-table"' in page and "2 ratings in the period" in page
    lines = list(
        csv.reader(io.StringIO(client.get("/reports/export/satisfaction.csv", params).getvalue().decode()[1:]))
    )
    assert lines[0] == ["Grouped by", "Name", "Ratings", "Average (1–5)", "Satisfied (%)", "Low"]
    assert lines[1] == ["All", "All ratings", "2", "3.0", "50.0", "1"]
    cache.clear()
    client.force_login(andi)
    mine = list(csv.reader(io.StringIO(client.get("/reports/export/satisfaction.csv", params).getvalue().decode()[1:])))
    assert mine[1] == ["All", "All ratings", "1", "5.0", "100.0", "0"]
    assert [row[1] for row in mine if row[0] == "Agent"] == [str(andi)]


def test_the_figures_cost_the_same_queries_with_more_ratings():
    agent = make_agent(1)
    rate(5, agent=agent)
    with CaptureQueriesContext(connection) as few:
        satisfaction_figures(filters())
    for n in range(12):
        rate(1 + n % 5, agent=make_agent(1), level=1 + n % 3)
    with CaptureQueriesContext(connection) as many:
        satisfaction_figures(filters())
    assert len(many.captured_queries) == len(few.captured_queries) == 4


def test_requesters_get_no_satisfaction_figures(client):
    client.force_login(make_requester())
    assert client.get("/reports/export/satisfaction.csv").status_code == 403
