"""A Level III agent takes a ticket to a vendor in the browser: the ticket waits on the
vendor with our clock paused and the vendor's clock shown; the vendor's response is
recorded; closing the escalation opens the ticket again. The requester sees the status,
never the vendor."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_agent
from tests.vendors.support import level_three_ticket, vendor_with_contract
from tickets.choices import Status
from tickets.models import Ticket
from vendors.models import VendorEscalation

from .pages import describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_level_three_agent_takes_a_ticket_to_a_vendor_and_brings_it_back(helpdesk, reference_data):
    vendor, contact, contract = vendor_with_contract("Nusantara Server")
    agent = make_agent(3, username="citra", first_name="Citra", last_name="Lestari")
    ticket = level_three_ticket(assignee=agent)
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open(ticket.get_absolute_url())
    panel = page.get_by_test_id("vendor-panel")
    panel.get_by_role("link", name="Take it to a vendor").click()
    page.locator("#id_vendor").select_option(label=vendor.name)
    page.locator("#id_contract").select_option(label=f"{vendor.name} — {contract.reference}")
    page.locator("#id_message").fill("Controller B failed & <disk 3> blinks 🔧")
    violations = helpdesk.axe_violations()
    page.get_by_role("button", name="Take it to the vendor").click()
    expect(helpdesk.success("taken to the vendor")).to_be_visible()
    expect(page.get_by_test_id("current-escalation")).to_contain_text(contact.email)
    expect(page.get_by_test_id("vendor-response-due").first).not_to_have_text("—")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.PENDING_VENDOR

    helpdesk.open(ticket.get_absolute_url())
    expect(page.get_by_test_id("badges")).to_contain_text("Pending on vendor")
    expect(page.get_by_test_id("sla")).to_contain_text("Paused")
    expect(page.get_by_test_id("vendor-panel")).to_contain_text(vendor.name)

    helpdesk.open(f"/tickets/{ticket.reference}/vendor/")
    page.get_by_test_id("record-response").click()
    expect(helpdesk.success("response is recorded")).to_be_visible()
    assert VendorEscalation.objects.get(ticket=ticket).responded_at is not None
    page.get_by_role("button", name="Close the escalation; back to Open").click()
    expect(helpdesk.success("open again")).to_be_visible()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN

    helpdesk.sign_out()
    helpdesk.sign_in(ticket.requester)
    helpdesk.open(ticket.get_absolute_url())
    expect(page.get_by_test_id("vendor-panel")).to_have_count(0)
    assert vendor.name not in page.content()
    assert violations == [], describe(violations)
