import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.factories import TicketFactory, category, make_agent, make_requester
from tickets.choices import Impact, Status, Urgency
from tickets.models import Attachment, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOG_LINES = b"10:02 web01 connection refused\n10:03 web01 connection refused\n"


def fill_new_ticket(page, *, subject: str, description: str) -> None:
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Category").select_option(label="Server down")
    page.get_by_label("Who is affected?").select_option(label=str(Impact.HIGH.label))
    page.get_by_label("How urgent is it?").select_option(label=str(Urgency.HIGH.label))
    page.get_by_label("Description").fill(description)


def test_requester_files_a_ticket_with_an_attachment_and_sees_it_listed(helpdesk):
    requester = make_requester(username="rina", first_name="Rina", last_name="Putri")
    helpdesk.sign_in(requester)
    page = helpdesk.page

    helpdesk.nav("New ticket")
    expect(page.get_by_role("heading", name="Ask for help")).to_be_visible()
    fill_new_ticket(page, subject="Web server not answering", description="Since 10:00 the intranet times out.")
    page.get_by_label("Attachment").set_input_files(
        {"name": "web01.log.txt", "mimeType": "text/plain", "buffer": LOG_LINES}
    )
    page.get_by_role("button", name="File ticket").click()

    expect(page).to_have_url(re.compile(r"/tickets/HD-\d{6}/$"))
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.level, ticket.priority) == (requester, 2, 1)
    expect(helpdesk.success(f"Ticket {ticket.reference} filed")).to_be_visible()
    expect(page.get_by_test_id("reference")).to_have_text(ticket.reference)
    expect(page.get_by_role("heading", level=1)).to_have_text("Web server not answering")
    expect(page.get_by_test_id("badges").locator(".badge-p1")).to_have_text("P1")
    expect(page.get_by_test_id("level")).to_have_text("Level II")

    attachment = Attachment.objects.get(ticket=ticket)
    link = page.get_by_role("link", name="web01.log.txt")
    expect(link).to_have_attribute("href", f"/attachments/{attachment.pk}/")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "web01.log.txt"
    assert Path(download.value.path()).read_bytes() == LOG_LINES

    helpdesk.nav("My tickets")
    rows = page.get_by_test_id("my-tickets").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("cell")).to_have_text(
        [ticket.reference, "Web server not answering", "New", "P1", re.compile(r"\S")]
    )

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [requester.email]
    assert ticket.reference in mail.outbox[0].subject


def test_an_empty_subject_is_refused_and_the_description_the_requester_typed_is_kept(helpdesk):
    helpdesk.sign_in(make_requester())
    page = helpdesk.open("/tickets/new/")
    description = "The printer on floor 3 shows error 0x51."
    fill_new_ticket(page, subject="", description=description)

    page.get_by_role("button", name="File ticket").click()
    subject = page.get_by_label("Subject")
    assert subject.evaluate("el => el.validity.valueMissing")
    expect(page).to_have_url(helpdesk.url("/tickets/new/"))

    subject.fill("   ")
    page.get_by_role("button", name="File ticket").click()

    expect(page.get_by_text("This field is required.")).to_be_visible()
    expect(subject).to_have_attribute("aria-invalid", "true")
    expect(subject).to_have_accessible_description(re.compile("This field is required."))
    expect(page.get_by_label("Description")).to_have_value(description)
    expect(page.get_by_label("Category")).to_have_value(str(category("Server down").pk))
    assert Ticket.objects.count() == 0
    assert mail.outbox == []


def test_a_disallowed_attachment_type_is_refused_and_no_ticket_is_filed(helpdesk):
    helpdesk.sign_in(make_requester())
    page = helpdesk.open("/tickets/new/")
    description = "Installer from the vendor, please run it on my PC."
    fill_new_ticket(page, subject="Please install this", description=description)
    page.get_by_label("Attachment").set_input_files(
        {"name": "evil.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00"}
    )

    page.get_by_role("button", name="File ticket").click()

    expect(page.get_by_text("Files of type “exe” are not accepted.")).to_be_visible()
    expect(page.get_by_label("Attachment")).to_have_accessible_description(
        re.compile("Files of type “exe” are not accepted.")
    )
    expect(page.get_by_label("Subject")).to_have_value("Please install this")
    expect(page.get_by_label("Description")).to_have_value(description)
    assert Ticket.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert mail.outbox == []


def test_requester_replies_agent_resolves_and_requester_confirms_without_seeing_the_internal_note(helpdesk):
    requester = make_requester(username="dewi", first_name="Dewi")
    agent = make_agent(1, username="agus", first_name="Agus")
    ticket = TicketFactory(requester=requester, subject="VPN keeps dropping")
    note = "Old VPN client 4.1 on this laptop; licence check pending."
    summary = "Updated the VPN client to 5.2; the connection has been stable for an hour."
    page = helpdesk.page

    helpdesk.sign_in(requester)
    page.get_by_test_id("my-tickets").get_by_role("link", name=ticket.reference).click()
    expect(page.get_by_label("Internal note")).to_have_count(0)
    page.get_by_label("Message").fill("It dropped again at 10:00 during a call.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(helpdesk.success("Your message was added.")).to_be_visible()
    expect(page.get_by_test_id("comment")).to_contain_text("It dropped again at 10:00 during a call.")
    helpdesk.sign_out()

    helpdesk.sign_in(agent)
    helpdesk.open(ticket.get_absolute_url())
    expect(page.get_by_test_id("comment")).to_contain_text("It dropped again")
    page.get_by_label("Message").fill(note)
    page.get_by_label("Internal note").check()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_test_id("internal-note")).to_contain_text(note)
    page.get_by_label("Resolution summary").fill(summary)
    page.get_by_role("button", name="Resolve", exact=True).click()
    expect(helpdesk.success("Resolved. The requester has been asked to confirm.")).to_be_visible()
    expect(page.get_by_test_id("badges")).to_contain_text("Resolved")
    helpdesk.sign_out()

    helpdesk.sign_in(requester)
    helpdesk.open(ticket.get_absolute_url())
    expect(page.get_by_test_id("resolution")).to_have_text(summary)
    expect(page.get_by_role("heading", name="Is your problem fixed?")).to_be_visible()
    expect(page.get_by_text(note)).to_have_count(0)
    expect(page.get_by_test_id("internal-note")).to_have_count(0)
    expect(page.get_by_text("added an internal note")).to_have_count(0)
    page.get_by_role("button", name="Yes, it is fixed").click()

    expect(helpdesk.success("Thank you. The ticket is closed.")).to_be_visible()
    expect(page.get_by_test_id("badges")).to_contain_text("Closed")
    expect(page.get_by_role("heading", name="Is your problem fixed?")).to_have_count(0)
    expect(page.get_by_label("Message")).to_have_count(0)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.closed_at is not None
    assert [m.to for m in mail.outbox] == [[requester.email]]
    assert "Resolved" in mail.outbox[0].subject
    assert all(note not in m.body for m in mail.outbox)
