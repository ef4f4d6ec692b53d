"""Opening maintenance tickets: once per plan, asset and due time, at the plan's level,
with the checklist, the asset link and everything a ticket filed alone has."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.models import TicketAsset
from maintenance.models import MaintenanceRun
from maintenance.services import MAINTENANCE_USERNAME, maintenance_account, maintenance_runs_open, plan_set_active
from sla.models import SlaClock
from tests.maintenance.support import asset, plan
from tickets.choices import EventKind
from tickets.models import Ticket, TicketChecklistItem, TicketEvent

pytestmark = pytest.mark.django_db

# Monday 5 January 2026, 09:00 in Jakarta (UTC+7).
FIRST_DUE = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def test_a_plan_opens_its_ticket_a_lead_time_before_it_is_due_and_only_once():
    with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC), tick=False):
        p = plan()
    assert p.next_due_at == FIRST_DUE
    assert p.next_open_at == FIRST_DUE - timedelta(days=1)
    with time_machine.travel(FIRST_DUE - timedelta(days=1, minutes=1), tick=False):
        assert maintenance_runs_open() == 0
    with time_machine.travel(FIRST_DUE - timedelta(hours=23), tick=False):
        assert maintenance_runs_open() == 1
        assert maintenance_runs_open() == 0
    run = MaintenanceRun.objects.get()
    ticket = run.ticket
    assert run.due_at == FIRST_DUE and run.asset_id == p.asset_id
    assert ticket.level == 2 and ticket.level_entered_at is not None
    assert ticket.requester.username == MAINTENANCE_USERNAME and not ticket.requester.is_active
    assert p.name in ticket.subject and p.asset.tag in ticket.subject
    assert list(TicketChecklistItem.objects.filter(ticket=ticket).values_list("position", "text")) == [
        (1, "Read the backup log"),
        (2, "Restore one file"),
    ]
    assert TicketAsset.objects.filter(ticket=ticket, asset=p.asset).exists()
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CREATED, to_value="2").count() == 1
    assert SlaClock.objects.filter(ticket=ticket).exists()
    assert ticket.sla_due_at is not None and ticket.first_response_due_at is not None
    p.refresh_from_db()
    assert p.next_due_at == datetime(2026, 2, 2, 2, 0, tzinfo=UTC)


def test_a_type_plan_covers_every_asset_of_the_type_that_is_not_retired():
    servers = [asset("server"), asset("server"), asset("server", status="retired")]
    asset("printer")
    with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC), tick=False):
        plan(asset_type="server")
    with time_machine.travel(FIRST_DUE, tick=False):
        assert maintenance_runs_open() == 2
    assert set(MaintenanceRun.objects.values_list("asset_id", flat=True)) == {servers[0].pk, servers[1].pk}


def test_missed_occurrences_are_not_back_filled_the_latest_one_opens():
    with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC), tick=False):
        plan(rrule="FREQ=WEEKLY;BYDAY=MO")
    with time_machine.travel(datetime(2026, 3, 3, tzinfo=UTC), tick=False):
        assert maintenance_runs_open() == 1
    assert MaintenanceRun.objects.get().due_at == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_an_inactive_plan_opens_nothing():
    with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC), tick=False):
        p = plan()
        plan_set_active(plan_id=p.pk, by=p.created_by, active=False)
    with time_machine.travel(FIRST_DUE, tick=False):
        assert maintenance_runs_open() == 0


def test_a_run_that_exists_already_is_never_opened_again():
    with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC), tick=False):
        p = plan()
    MaintenanceRun.objects.create(plan=p, asset=p.asset, due_at=FIRST_DUE)
    with time_machine.travel(FIRST_DUE, tick=False):
        assert maintenance_runs_open() == 0
    assert Ticket.objects.count() == 0


def _queries_to_open(plans: int) -> int:
    with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC), tick=False):
        for _ in range(plans):
            plan()
    with time_machine.travel(FIRST_DUE, tick=False), CaptureQueriesContext(connection) as queries:
        assert maintenance_runs_open() == plans
    MaintenanceRun.objects.all().delete()
    return len(queries)


def test_generation_queries_do_not_grow_with_the_number_of_plans():
    maintenance_account()
    _queries_to_open(1)  # policies and calendars read once per process
    few, many = _queries_to_open(3), _queries_to_open(40)
    if connection.vendor == "postgresql":
        assert few == many <= 20
    else:  # SQLite caps the rows of one INSERT by its parameter limit
        assert few <= many <= few + 3
