"""Hostile query strings on every report page, export and the monthly report: days and
months outside 2000..2100, numbers past any id, words, control characters, emoji. Each is
answered (400 with the form's reason, or the page for a harmless value), never a 500."""

import pytest
from django.core.cache import cache

from reports.views import EXPORTS
from tests.factories import TicketFactory, make_agent, make_supervisor

pytestmark = pytest.mark.django_db

HOSTILE = ["0001-01", "9999-12", "-1", str(10**30), "abc", "", "2026-03\r\nX-Injected: 1", "2026-03-😀", "\x00"]
HOSTILE_DAYS = [*HOSTILE, "0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01", "2026-02-30"]
RANGE_PAGES = ["/reports/", "/reports/live/", *(f"/reports/export/{name}.csv" for name in EXPORTS)]
# The pages read their filters with one form; a few of them stand for all.
SOME_PAGES = ["/reports/", "/reports/live/", "/reports/export/tickets.csv"]


@pytest.fixture(autouse=True)
def _some_tickets():
    cache.clear()
    TicketFactory.create_batch(2)


def get(client, url, params):
    response = client.get(url, params)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return response


@pytest.mark.parametrize("url", RANGE_PAGES)
@pytest.mark.parametrize("value", HOSTILE_DAYS)
@pytest.mark.parametrize("field", ["start", "end", "both"])
def test_a_hostile_day_is_refused_with_a_reason_never_a_server_error(client, url, field, value):
    client.force_login(make_supervisor())
    params = {"preset": "custom", "start": "2026-01-01", "end": "2026-01-31"}
    params.update({"start": value, "end": value} if field == "both" else {field: value})
    response = get(client, url, params)
    assert response.status_code == 400
    if url == "/reports/":
        assert response.context["form"].errors


@pytest.mark.parametrize(
    ("start", "end"),
    [("2000-01-01", "2000-01-31"), ("2100-12-01", "2100-12-31")],
)
def test_the_first_and_last_days_allowed_are_reported(client, start, end):
    client.force_login(make_supervisor())
    for url in RANGE_PAGES:
        assert get(client, url, {"preset": "custom", "start": start, "end": end}).status_code == 200, url


@pytest.mark.parametrize("url", SOME_PAGES)
@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("field", ["level", "category", "agent", "preset"])
def test_a_hostile_filter_is_refused_or_ignored_never_a_server_error(client, url, field, value):
    client.force_login(make_supervisor())
    response = get(client, url, {field: value})
    assert response.status_code == (200 if value == "" else 400)


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("csv", [False, True])
def test_a_hostile_month_is_refused_with_a_reason_never_a_server_error(client, value, csv):
    client.force_login(make_supervisor())
    params = {"month": value, **({"format": "csv"} if csv else {})}
    response = get(client, "/reports/monthly/", params)
    if value == "":
        assert response.status_code == 200  # no month given: this month
    else:
        assert response.status_code == 400
        assert response.context["form"].errors["month"]


@pytest.mark.parametrize("month", ["0001-01", "1999-12"])
def test_a_month_before_2000_is_explained(client, month):
    client.force_login(make_supervisor())
    response = client.get("/reports/monthly/", {"month": month})
    assert response.status_code == 400
    assert "between 2000-01 and 2100-12" in response.content.decode()


def test_an_agent_s_own_report_refuses_hostile_days_too(client):
    client.force_login(make_agent(1))
    for url in RANGE_PAGES:
        assert get(client, url, {"preset": "custom", "start": "0001-01-01", "end": "0001-01-31"}).status_code == 400
        assert get(client, url, {"preset": "custom", "start": "9999-12-01", "end": "9999-12-31"}).status_code == 400
