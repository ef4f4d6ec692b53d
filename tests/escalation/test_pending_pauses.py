"""Each pending status pauses the SLA clock as the ticket's policy says."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sla.models import SlaPolicy
from tests.factories import make_agent, make_requester
from tickets import services
from tickets.choices import Impact, Status, Urgency
from tickets.exceptions import TransitionError
from tickets.selectors import sla_explain, sla_status

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY_10 = datetime(2026, 3, 10, 10, 0, tzinfo=WIB)


def file_p1():
    with time_machine.travel(TUESDAY_10, tick=False):
        return services.ticket_create(
            requester=make_requester(),
            subject="Line down",
            description="The telco",
            impact=Impact.HIGH,
            urgency=Urgency.HIGH,
        )


def wait_two_hours(ticket, agent, status):
    with time_machine.travel(TUESDAY_10 + timedelta(minutes=5), tick=False):
        services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=status)
    ticket.refresh_from_db()
    paused_due = ticket.sla_due_at
    with time_machine.travel(TUESDAY_10 + timedelta(hours=2, minutes=5), tick=False):
        services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=Status.OPEN)
    ticket.refresh_from_db()
    return paused_due


def test_pending_on_a_third_party_pauses_the_clock_by_default():
    agent = make_agent(1)
    ticket = file_p1()
    assert wait_two_hours(ticket, agent, Status.PENDING_THIRD_PARTY) is None
    assert ticket.first_response_due_at == TUESDAY_10 + timedelta(hours=2, minutes=15)
    lines = [line.text for line in sla_explain(ticket=ticket).lines]
    assert "Clock paused: waiting on a third party." in lines


@pytest.mark.parametrize(
    ("status", "switch"),
    [(Status.PENDING_THIRD_PARTY, "pause_on_third_party"), (Status.PENDING, "pause_on_customer")],
)
def test_a_policy_that_does_not_pause_for_a_wait_keeps_the_clock_running(status, switch):
    SlaPolicy.objects.filter(priority=1).update(**{switch: False})
    agent = make_agent(1)
    ticket = file_p1()
    with time_machine.travel(TUESDAY_10 + timedelta(minutes=5), tick=False):
        services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=status)
        ticket.refresh_from_db()
        assert ticket.sla_due_at == TUESDAY_10 + timedelta(minutes=15)
        assert sla_status(ticket=ticket)["running"] is True
    wait_two_hours(ticket, agent, status)
    assert ticket.first_response_due_at == TUESDAY_10 + timedelta(minutes=15)


def test_the_other_waits_still_pause_when_one_is_switched_off():
    SlaPolicy.objects.filter(priority=1).update(pause_on_third_party=False)
    agent = make_agent(1)
    ticket = file_p1()
    assert wait_two_hours(ticket, agent, Status.PENDING) is None
    assert ticket.first_response_due_at == TUESDAY_10 + timedelta(hours=2, minutes=15)


def test_agents_move_between_the_waits_by_hand_but_not_onto_the_vendor_wait():
    agent = make_agent(1)
    ticket = file_p1()
    services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=Status.PENDING_THIRD_PARTY)
    services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=Status.PENDING)
    services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=Status.PENDING_THIRD_PARTY)
    with pytest.raises(TransitionError):
        services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=Status.PENDING_VENDOR)
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_THIRD_PARTY and ticket.is_open
