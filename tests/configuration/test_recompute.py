"""Recomputing the due times of the open tickets a changed SLA policy or calendar governs:
exactly those tickets, to what a fresh computation gives, in batches of a constant number
of queries, and one run per scope at a time."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from configuration.choices import RecomputeStatus
from configuration.models import RecomputeRun
from configuration.services import recompute_request, recompute_run_execute
from sla.models import Calendar, SlaPolicy
from sla.selectors import config_cache_clear
from sla.services import holiday_add, sla_policy_save
from tests.factories import category, make_requester, make_supervisor
from tickets.choices import EventKind, Impact, Urgency
from tickets.models import SLA_COLUMNS, Ticket, TicketEvent
from tickets.services import ticket_change_status, ticket_create, ticket_resolve, tickets_sla_recompute
from tickets.services.sla import sla_columns, ticket_sla_schedule

pytestmark = pytest.mark.django_db

# A Monday, 09:00 in Jakarta.
MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def file(*, impact=Impact.LOW, urgency=Urgency.LOW, category_name=None, requester=None):
    return ticket_create(
        requester=requester or make_requester(),
        subject="Printer jams",
        description="Every page.",
        impact=impact,
        urgency=urgency,
        category=category(category_name) if category_name else None,
    )


def columns(ticket) -> dict:
    ticket = Ticket.objects.get(pk=ticket.pk)
    return {name: getattr(ticket, name) for name in SLA_COLUMNS}


def fresh(ticket) -> dict:
    """What the ticket's columns are computed as now, from its whole history."""
    ticket = Ticket.objects.get(pk=ticket.pk)
    changes = list(
        TicketEvent.objects.filter(ticket=ticket, field="status")
        .order_by("created_at", "id")
        .values_list("created_at", "to_value")
    )
    config_cache_clear()
    return sla_columns(ticket_sla_schedule(ticket, status_changes=changes))


def change_targets(policy, *, first_response=None, resolution=None):
    return sla_policy_save(
        policy_id=policy.pk,
        calendar_id=policy.calendar_id,
        first_response_minutes=first_response or policy.first_response_minutes,
        resolution_minutes=resolution or policy.resolution_minutes,
        first_warning_percent=policy.first_warning_percent,
        second_warning_percent=policy.second_warning_percent,
    )


def run_now(django_capture_on_commit_callbacks, **scope) -> RecomputeRun:
    with django_capture_on_commit_callbacks(execute=True):
        run, started = recompute_request(by=make_supervisor(), **scope)
    assert started
    run.refresh_from_db()
    return run


def test_a_policy_change_recomputes_exactly_its_open_tickets(django_capture_on_commit_callbacks):
    with time_machine.travel(MONDAY, tick=False):
        p4 = SlaPolicy.objects.get(priority=4, category__isnull=True)
        email_p4 = SlaPolicy.objects.create(
            priority=4,
            category=category("Email"),
            calendar=p4.calendar,
            first_response_minutes=30,
            resolution_minutes=600,
        )
        governed = [file(), file(category_name="Printer and scanner"), file()]
        paused = file()
        supervisor = make_supervisor()
        ticket_change_status(ticket_id=paused.pk, by=supervisor, status="pending", reason="Waiting for you")
        governed.append(paused)
        closed = file()
        ticket_resolve(ticket_id=closed.pk, by=supervisor, resolution="Replaced the toner.")
        own_policy = file(category_name="Email")
        other_priority = file(impact=Impact.HIGH, urgency=Urgency.HIGH)
        untouched = {ticket.pk: columns(ticket) for ticket in (closed, own_policy, other_priority)}
        before = {ticket.pk: columns(ticket) for ticket in governed}
        change_targets(p4, first_response=p4.first_response_minutes + 120)
        # Nothing moves until the recompute runs.
        assert {ticket.pk: columns(ticket) for ticket in governed} == before

        run = run_now(django_capture_on_commit_callbacks, policy_id=p4.pk)

    assert (run.status, run.total, run.done, run.failed) == (RecomputeStatus.FINISHED, 4, 4, 0)
    # The paused ticket's clock shows no time while paused: only the running ones move.
    assert run.changed == 3
    for ticket in governed:
        assert columns(ticket) == fresh(ticket)
    for ticket in governed[:3]:
        assert columns(ticket)["first_response_due_at"] != before[ticket.pk]["first_response_due_at"]
    assert {ticket.pk: columns(ticket) for ticket in (closed, own_policy, other_priority)} == untouched
    assert email_p4.pk != p4.pk
    # Each ticket whose due times moved says so in its audit trail, by who asked, naming
    # what changed and the next due time before and after; the others say nothing.
    events = TicketEvent.objects.filter(kind=EventKind.DUE_RECOMPUTED)
    assert sorted(events.values_list("ticket_id", flat=True)) == sorted(t.pk for t in governed[:3])
    for event in events:
        assert (event.actor_id, event.reason) == (run.requested_by_id, run.subject)
        assert event.to_value == columns(event.ticket)["sla_due_at"].isoformat()
        assert event.from_value == before[event.ticket_id]["sla_due_at"].isoformat()


def test_a_holiday_added_to_the_calendar_moves_due_times(django_capture_on_commit_callbacks):
    with time_machine.travel(MONDAY, tick=False):
        office = Calendar.objects.get(name="Office hours (WIB)")
        # P4 resolution: five business days, so Tuesday off moves it a day later.
        ticket = file()
        before = columns(ticket)
        holiday_add(calendar_id=office.pk, date=date(2026, 3, 3), name="Hari libur kantor")
        run = run_now(django_capture_on_commit_callbacks, calendar_id=office.pk)
    assert run.status == RecomputeStatus.FINISHED and run.changed >= 1
    after = columns(ticket)
    assert after == fresh(ticket)
    assert (after["resolution_due_at"] - before["resolution_due_at"]).days == 1


def test_the_queries_of_a_batch_do_not_grow_with_its_tickets():
    with time_machine.travel(MONDAY, tick=False):
        requester = make_requester()
        small = [file(requester=requester).pk for _ in range(3)]
        large = [file(requester=requester).pk for _ in range(30)]
        p4 = SlaPolicy.objects.get(priority=4, category__isnull=True)
        counts = []
        for minutes, ids in ((p4.resolution_minutes + 60, small), (p4.resolution_minutes + 120, large)):
            change_targets(SlaPolicy.objects.get(pk=p4.pk), resolution=minutes)
            config_cache_clear()
            with CaptureQueriesContext(connection) as queries:
                outcome = tickets_sla_recompute(ticket_ids=ids)
            assert outcome.changed == len(ids)
            counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 11  # with the one INSERT of the audit events


def test_a_run_goes_in_batches_and_carries_on_after_its_last_batch(django_capture_on_commit_callbacks):
    with time_machine.travel(MONDAY, tick=False):
        requester = make_requester()
        tickets = [file(requester=requester) for _ in range(5)]
        p4 = SlaPolicy.objects.get(priority=4, category__isnull=True)
        change_targets(p4, first_response=p4.first_response_minutes + 30)
        with django_capture_on_commit_callbacks(execute=False):
            run, _started = recompute_request(by=make_supervisor(), policy_id=p4.pk)
        finished = recompute_run_execute(run_id=run.pk, batch_size=2)
    assert (finished.status, finished.done, finished.changed, finished.cursor) == (
        RecomputeStatus.FINISHED,
        5,
        5,
        tickets[-1].pk,
    )
    # A second delivery of the same run finds it done and does nothing.
    assert recompute_run_execute(run_id=run.pk) is None


def test_a_second_request_for_the_same_scope_joins_the_run_at_work(django_capture_on_commit_callbacks):
    p4 = SlaPolicy.objects.get(priority=4, category__isnull=True)
    supervisor = make_supervisor()
    with django_capture_on_commit_callbacks(execute=False):
        first, started = recompute_request(by=supervisor, policy_id=p4.pk)
        second, started_again = recompute_request(by=supervisor, policy_id=p4.pk)
        other, other_started = recompute_request(by=supervisor, calendar_id=p4.calendar_id)
    assert started and not started_again and second.pk == first.pk
    assert other_started and other.pk != first.pk
    assert RecomputeRun.objects.count() == 2
    recompute_run_execute(run_id=first.pk)
    with django_capture_on_commit_callbacks(execute=False):
        third, started_third = recompute_request(by=supervisor, policy_id=p4.pk)
    assert started_third and third.pk != first.pk


def test_a_request_names_one_policy_or_one_calendar_that_exists():
    from configuration.exceptions import ConfigurationError

    supervisor = make_supervisor()
    for scope in ({}, {"policy_id": 1, "calendar_id": 1}, {"policy_id": 999999}, {"calendar_id": 999999}):
        with pytest.raises(ConfigurationError):
            recompute_request(by=supervisor, **scope)
    assert not RecomputeRun.objects.exists()
