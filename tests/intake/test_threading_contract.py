"""The identifiers that thread a ticket's mail, and matching a reply back to its ticket."""

import pytest

from tests.factories import TicketFactory
from tickets.threading import (
    ticket_id_from_addresses,
    ticket_id_from_subject,
    ticket_id_from_thread,
    ticket_reply_address,
    ticket_thread_id,
)

pytestmark = pytest.mark.django_db


def test_a_reply_is_matched_by_thread_root_reply_address_or_subject(settings):
    settings.DEFAULT_FROM_EMAIL = "Helpdesk <helpdesk@example.org>"
    settings.HELPDESK_REPLY_ADDRESS = "support@example.org"
    ticket = TicketFactory()
    root = ticket_thread_id(ticket)
    assert root.startswith(f"<{ticket.reference}.") and root.endswith("@example.org>")
    assert ticket_id_from_thread(["<other@x>", root]) == ticket.pk
    address = ticket_reply_address(ticket)
    assert address.startswith(f"support+{ticket.reference}.") and address.endswith("@example.org")
    assert ticket_id_from_addresses([f"Helpdesk <{address}>"]) == ticket.pk
    assert ticket_id_from_subject(f"Re: [{ticket.reference}] Printer") == ticket.pk


def test_forged_identifiers_match_nothing(settings):
    settings.HELPDESK_REPLY_ADDRESS = "support@example.org"
    ticket = TicketFactory()
    other = TicketFactory()
    forged_root = ticket_thread_id(ticket).replace(ticket.reference, other.reference)
    assert ticket_id_from_thread([forged_root]) is None
    signature = ticket_reply_address(ticket).split(".")[1].split("@")[0]
    assert ticket_id_from_addresses([f"support+{other.reference}.{signature}@example.org"]) is None
    assert ticket_id_from_subject("Re: [HD-999999] nothing") is None
    assert ticket_id_from_subject("no tag at all") is None
