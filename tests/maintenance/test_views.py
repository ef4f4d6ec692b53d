"""Maintenance pages: supervisors and administrators keep plans (a preset or a raw rule, a
preview of the next occurrences), agents read them, requesters are refused; hostile
input gets a clear message and saves nothing; pages cost a fixed number of queries."""

from datetime import UTC, datetime

import pytest
import time_machine

from maintenance.models import MaintenancePlan, MaintenanceRun
from maintenance.services import maintenance_runs_open
from tests.api.permission_matrix import make_admin
from tests.factories import make_agent, make_requester, make_supervisor
from tests.maintenance.support import asset, plan

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)


def _form(**changes) -> dict:
    data = {
        "name": "Check the UPS",
        "description": "Look at the battery lamp.",
        "asset_tag": "",
        "asset_type": "server",
        "preset": "first_monday",
        "rrule": "",
        "start_date": "2026-01-05",
        "start_time": "09:00",
        "time_zone": "Asia/Jakarta",
        "level": "2",
        "category": "",
        "lead_days": "1",
        "lead_hours": "0",
        "checklist": "Read the battery lamp\r\nRun the self-test\r\n\r\n",
    }
    return {**data, **changes}


@time_machine.travel(NOW, tick=False)
def test_a_supervisor_creates_a_plan_with_a_preset(client):
    client.force_login(make_supervisor())
    response = client.post("/maintenance/new/", _form())
    plan = MaintenancePlan.objects.get()
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert plan.rrule == "FREQ=MONTHLY;BYDAY=1MO" and plan.checklist == ["Read the battery lamp", "Run the self-test"]
    assert plan.next_due_at == datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_a_raw_rule_for_experts(client):
    client.force_login(make_admin())
    tagged = asset()
    response = client.post(
        "/maintenance/new/",
        _form(preset="custom", rrule="freq=monthly;interval=3", asset_type="", asset_tag=tagged.tag.lower()),
    )
    assert response.status_code == 302
    plan = MaintenancePlan.objects.get()
    assert (plan.rrule, plan.asset, plan.asset_type) == ("FREQ=MONTHLY;INTERVAL=3", tagged, "")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"preset": "custom", "rrule": "FREQ=MINUTELY"}, "at most hourly"),
        ({"preset": "custom", "rrule": "FREQ=HOURLY;BYMINUTE=0,30"}, "more than once an hour"),
        ({"preset": "custom", "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "never fires"),
        ({"preset": "custom", "rrule": "FREQ=WEEKLY;UNTIL=20200101"}, "never fires"),
        ({"preset": "custom", "rrule": "' \" <script>&"}, "needs FREQ"),
        ({"preset": "custom", "rrule": "FREQ=DAILY;BYHOUR=99"}, "not a recurrence rule"),
        ({"preset": "custom", "rrule": "DTSTART:20260101T000000\nRRULE:FREQ=DAILY"}, "the start has its own field"),
        ({"preset": "custom", "rrule": ""}, "Write the rule"),
        ({"asset_type": "", "asset_tag": ""}, "either one asset"),
        ({"asset_tag": "NOPE-1"}, "No asset in use"),
        ({"name": "\r\n\t"}, "This field is required"),
        ({"name": "🙂" * 250}, "at most 200 characters"),
        ({"checklist": "x" * 501}, "at most 500 characters"),
        ({"lead_days": "-1"}, "greater than or equal to 0"),
        ({"start_date": "1066-10-14"}, "between 2000 and 2100"),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice"),
        ({"level": "9"}, "Select a valid choice"),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_hostile_or_wrong_input_is_refused_clearly_and_saves_nothing(client, changes, message):
    client.force_login(make_supervisor())
    response = client.post("/maintenance/new/", _form(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not MaintenancePlan.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_preview_shows_the_next_five_occurrences(client):
    client.force_login(make_supervisor())
    response = client.get(
        "/maintenance/preview/",
        {"preset": "first_monday", "start_date": "2026-01-05", "start_time": "09:00", "time_zone": "Asia/Jakarta"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and page.count("<li>") == 5
    assert "Monday 5 January 2026, 09:00" in page and "Monday 2 February 2026, 09:00" in page


def test_the_preview_explains_a_bad_rule(client):
    client.force_login(make_supervisor())
    response = client.get(
        "/maintenance/preview/",
        {
            "preset": "custom",
            "rrule": "FREQ=SECONDLY",
            "start_date": "2026-01-05",
            "start_time": "09:00",
            "time_zone": "Asia/Jakarta",
        },
    )
    assert response.status_code == 200 and "at most hourly" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [("requester", 403, 403), ("agent", 200, 403), ("supervisor", 200, 200), ("admin", 200, 200)],
)
def test_who_reads_and_who_keeps_plans(client, who, read, write):
    person = {
        "requester": make_requester,
        "agent": lambda: make_agent(3),
        "supervisor": make_supervisor,
        "admin": make_admin,
    }[who]()
    p = plan()
    client.force_login(person)
    assert client.get("/maintenance/").status_code == read
    assert client.get(p.get_absolute_url()).status_code == read
    assert client.get("/maintenance/new/").status_code == write
    assert client.get(f"/maintenance/{p.pk}/edit/").status_code == write
    response = client.post(f"/maintenance/{p.pk}/active/", {})
    assert response.status_code == (302 if write == 200 else 403)
    p.refresh_from_db()
    assert p.is_active is (write != 200)


def test_an_agent_does_not_see_the_buttons_to_keep_plans(client):
    p = plan()
    client.force_login(make_agent(1))
    page = client.get(p.get_absolute_url()).content.decode()
    assert "/edit/" not in page and "deactivate" not in page
    assert 'data-testid="new-plan"' not in client.get("/maintenance/").content.decode()


@pytest.mark.parametrize("pk", ["0", "99999999", "999999999999999999999"])
def test_an_unknown_plan_is_a_404(client, pk):
    client.force_login(make_supervisor())
    assert client.get(f"/maintenance/{pk}/").status_code == 404


def test_editing_keeps_the_form_filled_with_the_plan(client):
    p = plan(rrule="FREQ=WEEKLY;BYDAY=FR")
    client.force_login(make_supervisor())
    page = client.get(f"/maintenance/{p.pk}/edit/").content.decode()
    assert 'value="weekly_friday" selected' in page
    response = client.post(f"/maintenance/{p.pk}/edit/", _form(asset_type="", asset_tag=p.asset.tag, name="Renamed"))
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.name == "Renamed" and p.rrule == "FREQ=MONTHLY;BYDAY=1MO"


def _runs(plans: int) -> None:
    with time_machine.travel(NOW, tick=False):
        for _ in range(plans):
            plan()
    with time_machine.travel(datetime(2026, 1, 5, 3, tzinfo=UTC), tick=False):
        maintenance_runs_open()


def test_the_list_and_detail_pages_are_a_constant_number_of_queries(client, django_assert_max_num_queries):
    _runs(15)
    p = MaintenancePlan.objects.first()
    client.force_login(make_supervisor())
    with django_assert_max_num_queries(12):
        assert client.get("/maintenance/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(p.get_absolute_url()).status_code == 200


def test_the_dashboard_panel_shows_overdue_maintenance(client, django_assert_max_num_queries):
    _runs(12)
    client.force_login(make_supervisor())
    with time_machine.travel(datetime(2026, 1, 6, tzinfo=UTC), tick=False), django_assert_max_num_queries(10):
        response = client.get("/maintenance/overdue/")
    page = response.content.decode()
    assert 'data-testid="overdue-total">12<' in page
    assert MaintenanceRun.objects.count() == 12
    assert 'hx-get="/maintenance/overdue/"' in client.get("/dashboard/").content.decode()
    client.force_login(make_agent(3))
    assert client.get("/maintenance/overdue/").status_code == 403
