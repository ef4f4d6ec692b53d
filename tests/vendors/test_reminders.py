"""Chasing overdue vendors: a reminder once the response or resolution is due and still
owed, then every HELPDESK_VENDOR_REMINDER_HOURS; threaded on the first mail; the assignee
told; each slot sent once, even by two workers at the same moment."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, connections

from notifications.choices import NotificationKind
from notifications.models import Notification
from tests.vendors.support import level_three_ticket, vendor_with_contract
from vendors.models import VendorEscalation
from vendors.services import (
    vendor_escalation_close,
    vendor_escalation_create,
    vendor_reminder_send,
    vendor_reminders_due,
    vendor_reminders_send,
    vendor_response_record,
)
from vendors.tasks import vendor_reminders_send as reminders_task

MONDAY = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def _escalated(name: str = "Acme Servers"):
    vendor, contact, contract = vendor_with_contract(name, response_minutes=60, resolution_minutes=480)
    ticket = level_three_ticket()
    with time_machine.travel(MONDAY, tick=False):
        escalation = vendor_escalation_create(
            ticket_id=ticket.pk, by=ticket.assignee, vendor_id=vendor.pk, contract_id=contract.pk, message="Help"
        )
    return escalation, ticket, contact


def _reminders():
    return Notification.objects.filter(kind=NotificationKind.VENDOR_REMINDER).order_by("id")


@pytest.mark.django_db
def test_nothing_is_sent_before_the_response_is_due():
    _escalated()
    assert vendor_reminders_send(now=MONDAY + timedelta(minutes=59)) == 0
    assert not _reminders().exists()


@pytest.mark.django_db
def test_an_overdue_response_is_chased_once_per_slot_threaded_on_the_first_mail(settings):
    settings.HELPDESK_VENDOR_REMINDER_HOURS = 4
    escalation, ticket, contact = _escalated()
    due = MONDAY + timedelta(hours=1)
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        assert reminders_task() == 1
        assert vendor_reminders_send() == 0  # the same slot again: nothing
    [reminder] = _reminders()
    assert reminder.address == contact.email and reminder.ticket_id == ticket.pk
    assert reminder.headers["In-Reply-To"] == escalation.message_id == reminder.headers["References"]
    assert "response overdue" in reminder.subject
    staff = Notification.objects.get(kind=NotificationKind.VENDOR_OVERDUE, channel="email")
    assert staff.recipient == ticket.assignee
    escalation.refresh_from_db()
    assert escalation.next_reminder_at == due + timedelta(hours=4) and escalation.reminders_sent == 1
    assert vendor_reminders_send(now=due + timedelta(hours=3)) == 0
    assert vendor_reminders_send(now=due + timedelta(hours=4)) == 1
    assert _reminders().count() == 2


@pytest.mark.django_db
def test_after_the_response_the_resolution_is_chased_and_closing_stops_the_reminders(settings):
    escalation, _ticket, _contact = _escalated()
    vendor_response_record(escalation_id=escalation.pk, by=escalation.escalated_by, at=MONDAY + timedelta(minutes=5))
    assert vendor_reminders_send(now=MONDAY + timedelta(hours=2)) == 0
    assert vendor_reminders_send(now=MONDAY + timedelta(hours=8, minutes=1)) == 1
    assert "resolution overdue" in _reminders().get().subject
    vendor_escalation_close(escalation_id=escalation.pk, by=escalation.escalated_by)
    assert vendor_reminders_send(now=MONDAY + timedelta(days=5)) == 0


@pytest.mark.django_db
def test_a_sweep_that_comes_late_sends_one_reminder_not_one_per_missed_slot(settings):
    settings.HELPDESK_VENDOR_REMINDER_HOURS = 1
    _escalated()
    assert vendor_reminders_send(now=MONDAY + timedelta(days=2)) == 1
    assert vendor_reminders_send(now=MONDAY + timedelta(days=2, minutes=5)) == 0


@pytest.mark.django_db
def test_a_slot_claimed_by_another_worker_is_not_sent_again():
    escalation, _ticket, _contact = _escalated()
    [(pk, slot)] = vendor_reminders_due(now=MONDAY + timedelta(hours=2))
    assert vendor_reminder_send(escalation_id=pk, slot=slot, now=MONDAY + timedelta(hours=2))
    assert not vendor_reminder_send(escalation_id=pk, slot=slot, now=MONDAY + timedelta(hours=2))
    assert _reminders().count() == 1


@pytest.mark.django_db
def test_the_due_reminders_are_found_in_one_query_whatever_their_number(django_assert_num_queries):
    for n in range(3):
        _escalated(f"Vendor{n} Ltd")
    with django_assert_num_queries(1):
        assert len(vendor_reminders_due(now=MONDAY + timedelta(hours=2))) == 3


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_the_same_moment_send_each_reminder_once(reference_data):
    if connection.vendor != "postgresql":
        pytest.skip("the race needs two real connections")
    for n in range(5):
        _escalated(f"Vendor{n} Ltd")
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def worker():
        try:
            barrier.wait()
            sent.append(vendor_reminders_send(now=MONDAY + timedelta(hours=2)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent) == 5
    assert _reminders().count() == 5
    assert set(VendorEscalation.objects.values_list("reminders_sent", flat=True)) == {1}
