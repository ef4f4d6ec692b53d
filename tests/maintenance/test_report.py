"""The maintenance report: per plan, runs due in the period done on time, late, open and
overdue, with the share done on time; the reports' period filter; CSV; supervisors only;
a fixed number of queries whatever the number of plans and runs."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from maintenance.models import MaintenanceRun
from maintenance.services import maintenance_runs_open
from tests.factories import make_agent, make_supervisor
from tests.maintenance.support import plan
from tests.reports.test_drilldown import assert_each_link_counts_its_figure, links_of
from tickets import services
from tickets.models import TicketChecklistItem

pytestmark = pytest.mark.django_db

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
DUE = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def _resolve(run, at):
    agent = make_agent(3)
    with time_machine.travel(at, tick=False):
        TicketChecklistItem.objects.filter(ticket=run.ticket).update(done_at=at)
        services.ticket_resolve(ticket_id=run.ticket_id, by=agent, resolution="Done")


def _three_runs():
    with time_machine.travel(CREATED, tick=False):
        plans = [plan(name=f"Plan {n}") for n in range(3)]
    with time_machine.travel(DUE - timedelta(hours=2), tick=False):
        maintenance_runs_open()
    on_time, late, _open = (MaintenanceRun.objects.get(plan=p) for p in plans)
    _resolve(on_time, DUE - timedelta(hours=1))
    _resolve(late, DUE + timedelta(hours=5))
    return plans


def _report(client, **params):
    client.force_login(make_supervisor(time_zone="Asia/Jakarta"))
    with time_machine.travel(DUE + timedelta(days=1), tick=False):
        return client.get("/reports/maintenance/", {"start": "2026-01-01", "end": "2026-01-31", **params})


def test_the_report_counts_on_time_late_and_open_runs_per_plan(client):
    _three_runs()
    response = _report(client)
    rows = {row.name: row for row in response.context["rows"]}
    assert (rows["Plan 0"].on_time, rows["Plan 0"].late, rows["Plan 0"].open) == (1, 0, 0)
    assert (rows["Plan 1"].on_time, rows["Plan 1"].late) == (0, 1)
    assert (rows["Plan 2"].open, rows["Plan 2"].overdue) == (1, 1)
    assert response.context["totals"] == {
        "due": 3,
        "on_time": 1,
        "late": 1,
        "open": 1,
        "overdue": 1,
        "on_time_pct": 33.3,
    }


def test_the_period_filter_leaves_out_runs_due_outside_it(client):
    _three_runs()
    response = _report(client, start="2026-02-01", end="2026-02-28")
    assert response.context["rows"] == []
    assert "No maintenance was due in the period." in response.content.decode()


def test_the_report_as_csv(client):
    _three_runs()
    response = _report(client, format="csv")
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "Plan 0,True,1,1,0,0,0,100.0" in body and "Plan 2,True,1,0,0,1,1,0.0" in body


def test_agents_may_not_read_the_maintenance_report(client):
    client.force_login(make_agent(3))
    assert client.get("/reports/maintenance/").status_code == 403


def test_a_bad_period_is_a_clear_400(client):
    client.force_login(make_supervisor())
    response = client.get("/reports/maintenance/", {"start": "2026-13-45", "end": "<script>"})
    assert response.status_code == 400


def test_the_report_is_a_constant_number_of_queries(client, django_assert_max_num_queries):
    _three_runs()
    with time_machine.travel(CREATED, tick=False):
        for n in range(20):
            plan(name=f"More {n}")
    with time_machine.travel(DUE, tick=False):
        maintenance_runs_open()
    client.force_login(make_supervisor())
    client.get("/reports/maintenance/")
    with time_machine.travel(DUE + timedelta(days=1), tick=False), django_assert_max_num_queries(8):
        response = client.get("/reports/maintenance/", {"start": "2026-01-01", "end": "2026-01-31"})
    assert len(response.context["rows"]) == 23


@pytest.mark.parametrize(
    "kind",
    [
        "maintenance-due",
        "maintenance-on_time",
        "maintenance-late",
        "maintenance-open",
        "maintenance-overdue",
        "maintenance-total-due",
        "maintenance-total-on_time",
        "maintenance-total-late",
        "maintenance-total-open",
        "maintenance-total-overdue",
    ],
)
def test_each_figure_links_to_exactly_the_tickets_its_runs_opened(client, kind):
    _three_runs()
    # A run due after the period, not counted and not listed.
    with time_machine.travel(DUE + timedelta(days=40), tick=False):
        maintenance_runs_open()
    response = _report(client)
    links = links_of(response.content.decode()).get(kind, [])
    with time_machine.travel(DUE + timedelta(days=1), tick=False):
        assert_each_link_counts_its_figure(client, links)
