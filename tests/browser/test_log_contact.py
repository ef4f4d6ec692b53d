import pytest
from playwright.sync_api import expect

from tests.factories import TicketFactory, make_agent, make_requester
from tickets.models import Comment, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_logs_a_call_for_a_new_caller_and_finds_it_in_the_queue_by_phone(helpdesk):
    agent = make_agent(1, username="agus", first_name="Agus")
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.nav("Log a call or chat")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a call or chat")
    assert helpdesk.axe_violations() == []
    assert helpdesk.duplicate_ids() == []

    page.get_by_label("Find the caller by name, email or phone").fill("Wayan")
    expect(page.get_by_test_id("no-callers")).to_be_visible()  # the lookup answered as they typed
    page.get_by_label("Caller's name").fill("Wayan Sudarsana")
    page.get_by_label("Caller's phone").fill("0812 5555 0101")
    page.get_by_label("Phone call").check()
    page.get_by_label("File a new ticket").check()
    page.get_by_label("Subject").fill("Cannot reach the VPN from home")
    page.get_by_label("How urgent is it?").select_option("high")
    page.get_by_label("What the caller said, or the chat transcript").fill("Error 809 since this morning.")
    page.get_by_role("button", name="Log it").click()

    ticket = Ticket.objects.get()
    expect(helpdesk.success(f"Ticket {ticket.reference} filed for Wayan Sudarsana.")).to_be_visible()
    expect(page.get_by_test_id("event-created")).to_contain_text("filed the ticket for Wayan Sudarsana by phone")
    assert (ticket.channel, ticket.requester.phone) == ("phone", "+6281255550101")

    helpdesk.nav("Queues")
    row = page.get_by_test_id("queue-table").locator("tbody tr").filter(has_text=ticket.reference)
    expect(row).to_contain_text("Cannot reach the VPN from home")
    expect(row.get_by_test_id("channel")).to_have_text("by phone")


def test_an_agent_finds_a_caller_as_they_type_and_adds_the_chat_to_their_open_ticket(helpdesk):
    agent = make_agent(1, username="agus", first_name="Agus")
    caller = make_requester(first_name="Siti", last_name="Rahayu", email="siti@example.com")
    ticket = TicketFactory(requester=caller, subject="Printer on floor 3 jams")
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open("/log/")

    page.get_by_label("Find the caller by name, email or phone").fill("rahayu")
    option = page.get_by_label("Siti Rahayu · siti@example.com · 1 open ticket")
    expect(option).to_be_visible()
    option.check()
    expect(page.get_by_test_id("caller-tickets")).to_contain_text(ticket.reference)
    page.get_by_label("Chat", exact=True).check()
    page.get_by_label("Add to an open ticket, as the caller's reply").check()
    page.get_by_label("Ticket", exact=True).fill(ticket.reference)
    page.get_by_label("What the caller said, or the chat transcript").fill("Siti: it jams again <tray 2> & 🙂")
    page.get_by_role("button", name="Log it").click()

    expect(helpdesk.success(f"The call was added to {ticket.reference}.")).to_be_visible()
    comment = page.get_by_test_id("comment").last
    expect(comment).to_contain_text("Siti: it jams again <tray 2> & 🙂")
    expect(comment.get_by_test_id("comment-channel")).to_have_text("by chat")
    expect(comment.get_by_test_id("logged-by")).to_contain_text("Agus")
    assert Comment.objects.get().author == caller
