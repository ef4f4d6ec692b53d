"""The pieces email intake adds below it: requester accounts made from a mail's sender,
a ticket filed at a given level, and bounced addresses kept for the delivery log."""

import pytest
from django.core.exceptions import ValidationError

from accounts.choices import Level
from accounts.services import requester_create_from_email
from notifications.models import FailingAddress
from notifications.services import mail_address_failing_record
from tests.factories import make_requester
from tickets.exceptions import TicketError
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def test_a_taken_or_odd_address_gets_a_fallback_user_name_and_the_same_one_each_time():
    make_requester(username="ann@example.com", email="other@example.com")
    person = requester_create_from_email(address="Ann@Example.com", display_name="Ann Smith")
    assert person.username != "ann@example.com" and person.username.startswith("ann-")
    assert person.email == "Ann@Example.com" and (person.first_name, person.last_name) == ("Ann", "Smith")
    odd = requester_create_from_email(address="o'brien!x@example.com", display_name="x@y.example")
    assert "'" not in odd.username and "!" not in odd.username and odd.first_name == ""


@pytest.mark.parametrize("address", ["", "not-an-address", "a@" + "b" * 300 + ".com"])
def test_an_address_the_field_cannot_take_is_refused(address):
    with pytest.raises(ValidationError):
        requester_create_from_email(address=address)


def test_a_ticket_can_start_at_a_given_level_and_a_wrong_level_is_refused():
    person = make_requester()
    ticket = ticket_create(requester=person, subject="S", description="D", urgency="medium", level=Level.III)
    assert ticket.level == Level.III
    default = ticket_create(requester=person, subject="S", description="D", urgency="medium")
    assert default.level == Level.I
    with pytest.raises(TicketError):
        ticket_create(requester=person, subject="S", description="D", urgency="medium", level=9)


def test_a_failing_address_is_one_row_per_address_whatever_its_case():
    mail_address_failing_record(address="Gone@Example.net", reason="550 User unknown", status_code="5.1.1")
    row = mail_address_failing_record(address="gone@example.NET", reason="550 again", status_code="5.1.1")
    assert FailingAddress.objects.count() == 1
    assert (row.address, row.bounces, row.reason) == ("gone@example.net", 2, "550 again")
