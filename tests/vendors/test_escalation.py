"""Taking a Level III ticket to a vendor: who may, which tickets, contracts and contacts;
what it changes in one transaction (the escalation, the ticket pending on the vendor, our
clock paused, the mail to the vendor, the audit trail); following it up and closing it."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from notifications.choices import NotificationKind
from notifications.models import Notification
from sla.models import Calendar
from tests.factories import make_agent, make_requester, make_supervisor
from tests.vendors.support import level_three_ticket, vendor_with_contract
from tickets import services as ticket_services
from tickets.choices import OPEN_STATUSES, EventKind, Status
from tickets.exceptions import TransitionError
from tickets.models import Ticket, TicketEvent
from vendors.choices import VendorEscalationStatus
from vendors.exceptions import VendorError, VendorNotAllowedError
from vendors.models import VendorContact, VendorEscalation
from vendors.services import (
    vendor_escalation_close,
    vendor_escalation_create,
    vendor_reference_set,
    vendor_resolution_record,
    vendor_response_record,
)

pytestmark = pytest.mark.django_db

# A Monday at 10:00 in Jakarta (03:00 UTC): office hours.
MONDAY = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def escalate(ticket, by, vendor, contract=None, **fields):
    fields.setdefault("message", "Disk array reports a failed controller & <errors> 🔥")
    return vendor_escalation_create(
        ticket_id=ticket.pk, by=by, vendor_id=vendor.pk, contract_id=contract.pk if contract else None, **fields
    )


def test_a_level_three_agent_takes_a_ticket_to_a_vendor_in_one_go(django_capture_on_commit_callbacks):
    vendor, contact, contract = vendor_with_contract()
    ticket = level_three_ticket()
    agent = ticket.assignee
    with time_machine.travel(MONDAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        escalation = escalate(ticket, agent, vendor, contract, vendor_reference="CASE-1")

    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_VENDOR
    assert Status.PENDING_VENDOR in OPEN_STATUSES
    assert escalation.contact == contact and escalation.contact_email == contact.email
    assert escalation.response_due_at == MONDAY + timedelta(minutes=60)
    assert escalation.resolution_due_at == MONDAY + timedelta(minutes=480)
    assert escalation.next_reminder_at == escalation.response_due_at
    [mail] = Notification.objects.filter(kind=NotificationKind.VENDOR_ESCALATION)
    assert mail.address == contact.email and mail.ticket_id == ticket.pk
    assert escalation.message_id == f"<{mail.delivery_key}@{escalation.message_id.rpartition('@')[2]}"
    assert ticket.reference in mail.subject and "CASE-1" in mail.body_text
    assert "<errors>" in mail.body_text and "&lt;errors&gt;" in mail.body_html
    status_event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.STATUS_CHANGED)
    assert (status_event.to_value, status_event.reason) == (Status.PENDING_VENDOR, "waiting on vendor")
    assert vendor.name not in status_event.reason  # the requester sees status changes
    note = TicketEvent.objects.get(ticket=ticket, kind=EventKind.NOTE_ADDED)
    assert vendor.name in note.reason and note.actor == agent


@pytest.mark.parametrize("level", [1, 2])
def test_only_a_level_three_ticket_can_go_to_a_vendor(level):
    vendor, _contact, contract = vendor_with_contract()
    ticket = level_three_ticket(level=level)
    with pytest.raises(VendorError, match="only a Level III ticket"):
        escalate(ticket, make_supervisor(), vendor, contract)
    assert not VendorEscalation.objects.exists()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_a_finished_ticket_cannot_go_to_a_vendor(status):
    vendor, _contact, contract = vendor_with_contract()
    ticket = level_three_ticket(status=status)
    with pytest.raises(VendorError, match="only an open ticket"):
        escalate(ticket, make_supervisor(), vendor, contract)
    assert not VendorEscalation.objects.exists() and not Notification.objects.exists()


def test_a_ticket_already_with_a_vendor_is_refused_a_second_one():
    vendor, _contact, contract = vendor_with_contract()
    ticket = level_three_ticket()
    escalate(ticket, ticket.assignee, vendor, contract)
    with pytest.raises(VendorError, match="already waiting on a vendor"):
        escalate(ticket, ticket.assignee, vendor, contract)
    assert VendorEscalation.objects.count() == 1


def test_a_contract_of_another_vendor_is_refused():
    vendor, _contact, _contract = vendor_with_contract("Acme Servers")
    _other, _c, other_contract = vendor_with_contract("Borneo Networks")
    ticket = level_three_ticket()
    with pytest.raises(VendorError, match="not one of Acme Servers's"):
        escalate(ticket, ticket.assignee, vendor, other_contract)
    assert not VendorEscalation.objects.exists()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


def test_an_ended_contract_is_refused():
    vendor, _contact, contract = vendor_with_contract(starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31))
    ticket = level_three_ticket()
    with pytest.raises(VendorError, match="not in force today"):
        escalate(ticket, ticket.assignee, vendor, contract)
    assert not VendorEscalation.objects.exists()


def test_a_vendor_with_a_contract_in_force_must_be_escalated_under_it():
    vendor, _contact, _contract = vendor_with_contract()
    ticket = level_three_ticket()
    with pytest.raises(VendorError, match="has a contract in force"):
        escalate(ticket, ticket.assignee, vendor)


def test_without_any_contract_there_is_no_vendor_clock():
    vendor, _contact, contract = vendor_with_contract()
    contract.delete()
    ticket = level_three_ticket()
    escalation = escalate(ticket, ticket.assignee, vendor)
    assert escalation.contract is None and escalation.response_due_at is None
    assert escalation.next_reminder_at is None


def test_another_contact_of_the_vendor_may_be_chosen_but_not_one_of_another_vendor():
    vendor, _primary, contract = vendor_with_contract()
    deputy = VendorContact.objects.create(vendor=vendor, name="Sari", email="sari@acme.example")
    _other, stranger, _c = vendor_with_contract("Borneo Networks")
    ticket = level_three_ticket()
    with pytest.raises(VendorError, match="contact is not one of"):
        escalate(ticket, ticket.assignee, vendor, contract, contact_id=stranger.pk)
    escalation = escalate(ticket, ticket.assignee, vendor, contract, contact_id=deputy.pk)
    assert escalation.contact_email == "sari@acme.example"


@pytest.mark.parametrize("who", ["agent_l2", "agent_l1", "requester"])
def test_only_level_three_staff_and_supervisors_take_tickets_to_vendors(who):
    vendor, _contact, contract = vendor_with_contract()
    ticket = level_three_ticket()
    person = {"agent_l2": lambda: make_agent(2), "agent_l1": lambda: make_agent(1), "requester": make_requester}[who]()
    with pytest.raises(VendorNotAllowedError):
        escalate(ticket, person, vendor, contract)
    assert not VendorEscalation.objects.exists()


def test_a_supervisor_takes_a_ticket_to_a_vendor():
    vendor, _contact, contract = vendor_with_contract()
    ticket = level_three_ticket()
    assert escalate(ticket, make_supervisor(), vendor, contract).status == VendorEscalationStatus.OPEN


@pytest.mark.parametrize("message", ["", "   ", "\x00\x01", "x" * 20_001])
def test_a_hostile_or_empty_message_is_refused_with_nothing_half_saved(message):
    vendor, _contact, contract = vendor_with_contract()
    ticket = level_three_ticket()
    with pytest.raises(VendorError):
        escalate(ticket, ticket.assignee, vendor, contract, message=message)
    assert not VendorEscalation.objects.exists() and not Notification.objects.exists()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


def test_a_failure_after_the_mail_leaves_nothing_behind(monkeypatch):
    vendor, _contact, contract = vendor_with_contract()
    ticket = level_three_ticket()

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("vendors.services.escalations.ticket_vendor_wait_start", broken)
    with pytest.raises(RuntimeError):
        escalate(ticket, ticket.assignee, vendor, contract)
    assert not VendorEscalation.objects.exists() and not Notification.objects.exists()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


def test_the_vendor_clock_counts_business_hours_when_the_contract_says_so():
    office = Calendar.objects.filter(always_open=False).order_by("pk").first()
    vendor, _contact, contract = vendor_with_contract(
        response_minutes=120, resolution_minutes=16 * 60, business_hours_only=True, calendar=office
    )
    ticket = level_three_ticket()
    # Friday 16:00 in Jakarta: an hour of the working day is left.
    friday = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with time_machine.travel(friday, tick=False):
        escalation = escalate(ticket, ticket.assignee, vendor, contract)
    assert escalation.response_due_at > friday + timedelta(days=2)  # on Monday, after the weekend
    assert escalation.response_due_at.astimezone(ZoneInfo(office.time_zone)).weekday() == 0
    assert escalation.resolution_due_at > escalation.response_due_at


def test_the_vendor_clock_runs_on_the_wall_clock_otherwise():
    vendor, _contact, contract = vendor_with_contract(response_minutes=120, resolution_minutes=16 * 60)
    ticket = level_three_ticket()
    friday = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with time_machine.travel(friday, tick=False):
        escalation = escalate(ticket, ticket.assignee, vendor, contract)
    assert escalation.response_due_at == friday + timedelta(hours=2)
    assert escalation.resolution_due_at == friday + timedelta(hours=16)


def test_our_sla_clock_pauses_while_the_vendor_has_it_and_the_due_times_move_by_the_pause():
    vendor, _contact, contract = vendor_with_contract()
    requester = make_requester()
    with time_machine.travel(MONDAY, tick=False):
        ticket = ticket_services.ticket_create(
            requester=requester, subject="Server down", description="The file server is down.", urgency="high"
        )
    Ticket.objects.filter(pk=ticket.pk).update(level=3, status=Status.OPEN)
    ticket.refresh_from_db()
    before = ticket.resolution_due_at
    assert before is not None
    agent = make_agent(3)
    with time_machine.travel(MONDAY + timedelta(minutes=10), tick=False):
        escalation = escalate(ticket, agent, vendor, contract)
    ticket.refresh_from_db()
    assert ticket.sla_due_at is None  # paused: nothing falls due while the vendor has it
    with time_machine.travel(MONDAY + timedelta(hours=3, minutes=10), tick=False):
        vendor_escalation_close(escalation_id=escalation.pk, by=agent)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    office_hours_moved = ticket.resolution_due_at - before
    assert office_hours_moved >= timedelta(hours=3)
    reasons = list(
        TicketEvent.objects.filter(ticket=ticket, field="status").order_by("id").values_list("to_value", "reason")
    )
    assert reasons[-2:] == [(Status.PENDING_VENDOR, "waiting on vendor"), (Status.OPEN, "back from the vendor")]


def test_a_ticket_waiting_on_a_vendor_cannot_be_resolved_or_moved_by_hand():
    vendor, _contact, contract = vendor_with_contract()
    ticket = level_three_ticket()
    escalate(ticket, ticket.assignee, vendor, contract)
    with pytest.raises(TransitionError, match="close the vendor escalation first"):
        ticket_services.ticket_resolve(ticket_id=ticket.pk, by=ticket.assignee, resolution="Fixed")
    with pytest.raises(TransitionError):
        ticket_services.ticket_change_status(ticket_id=ticket.pk, by=ticket.assignee, status=Status.OPEN)


def test_the_response_reference_resolution_and_closing_are_recorded_with_audit_events():
    vendor, _contact, contract = vendor_with_contract()
    ticket = level_three_ticket()
    agent = ticket.assignee
    with time_machine.travel(MONDAY, tick=False):
        escalation = escalate(ticket, agent, vendor, contract)
    with time_machine.travel(MONDAY + timedelta(minutes=30), tick=False):
        escalation = vendor_response_record(escalation_id=escalation.pk, by=agent)
    assert escalation.responded_at == MONDAY + timedelta(minutes=30) and escalation.response_met() is True
    assert escalation.next_reminder_at == escalation.resolution_due_at
    again = vendor_response_record(escalation_id=escalation.pk, by=agent)
    assert again.responded_at == escalation.responded_at
    vendor_reference_set(escalation_id=escalation.pk, by=agent, vendor_reference="RMA 77 'a' <b>")
    with time_machine.travel(MONDAY + timedelta(hours=10), tick=False):
        escalation = vendor_resolution_record(escalation_id=escalation.pk, by=agent, resolution="Controller replaced")
    assert escalation.resolution_met() is False and escalation.next_reminder_at is None
    vendor_escalation_close(escalation_id=escalation.pk, by=agent)
    escalation.refresh_from_db()
    assert escalation.status == VendorEscalationStatus.CLOSED and escalation.vendor_reference == "RMA 77 'a' <b>"
    notes = list(TicketEvent.objects.filter(ticket=ticket, kind=EventKind.NOTE_ADDED).values_list("reason", flat=True))
    assert len(notes) == 4  # taken, responded, reference, resolved
    with pytest.raises(VendorError, match="already closed"):
        vendor_escalation_close(escalation_id=escalation.pk, by=agent)


def test_a_level_two_agent_cannot_follow_an_escalation_up():
    vendor, _contact, contract = vendor_with_contract()
    ticket = level_three_ticket()
    escalation = escalate(ticket, ticket.assignee, vendor, contract)
    for call in (
        lambda by: vendor_response_record(escalation_id=escalation.pk, by=by),
        lambda by: vendor_reference_set(escalation_id=escalation.pk, by=by, vendor_reference="X"),
        lambda by: vendor_resolution_record(escalation_id=escalation.pk, by=by, resolution="X"),
        lambda by: vendor_escalation_close(escalation_id=escalation.pk, by=by),
    ):
        with pytest.raises(VendorNotAllowedError):
            call(make_agent(2))


def test_the_database_keeps_one_open_escalation_per_ticket():
    vendor, contact, contract = vendor_with_contract()
    ticket = level_three_ticket()
    escalate(ticket, ticket.assignee, vendor, contract)
    with pytest.raises(IntegrityError), transaction.atomic():
        VendorEscalation.objects.create(
            ticket=ticket, vendor=vendor, message="again", escalated_by=ticket.assignee, contact=contact
        )


def test_a_ticket_waiting_on_a_vendor_is_not_sent_back_down():
    vendor, _contact, contract = vendor_with_contract()
    ticket = level_three_ticket()
    escalate(ticket, ticket.assignee, vendor, contract)
    with pytest.raises(TransitionError, match="waiting on a vendor"):
        ticket_services.ticket_deescalate(ticket_id=ticket.pk, by=ticket.assignee, reason="Not ours")
    assert Ticket.objects.get(pk=ticket.pk).level == 3
