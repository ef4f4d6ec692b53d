"""An agent finds a closed ticket through the ticket list, filters it, saves the view and
opens it again, in English and in Bahasa Indonesia."""

import pytest
from playwright.sync_api import expect

from accounts.choices import Level
from tests.factories import TicketFactory, make_agent
from tickets.choices import Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"all": "All tickets", "name": "Name of the view", "save": "Save this view", "saved": "saved."},
    "id": {"all": "Semua tiket", "name": "Nama tampilan", "save": "Simpan tampilan ini", "saved": "disimpan."},
}


@pytest.mark.parametrize("language", ["en", "id"])
def test_an_agent_finds_a_closed_ticket_and_keeps_the_view(helpdesk, language, artefacts):
    words = WORDS[language]
    agent = make_agent(Level.I, username="agus", first_name="Agus", language=language)
    closed = TicketFactory(level=1, subject="VPN drops every hour", status=Status.CLOSED)
    TicketFactory(level=1, subject="VPN client will not install", status=Status.OPEN)
    TicketFactory(level=1, subject="Monitor flickers", status=Status.CLOSED)
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open("/queue/")
    page.get_by_test_id("nav-all-tickets").click()
    expect(page.locator("h1")).to_have_text(words["all"])
    expect(page.get_by_test_id("list-table")).to_contain_text("VPN drops every hour")

    page.locator("#id_q").fill("vpn")
    page.locator("#id_status").select_option("closed")
    page.get_by_test_id("list-filter").click()
    table = page.get_by_test_id("list-table")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(closed.reference)

    page.get_by_label(words["name"]).fill("Closed VPN 😀 <&>")
    page.get_by_test_id("save-view").get_by_role("button", name=words["save"]).click()
    expect(page.locator("body")).to_contain_text(words["saved"])
    expect(page.locator("h1")).to_have_text("Closed VPN 😀 <&>")

    helpdesk.open("/tickets/all/")
    expect(page.get_by_test_id("list-table").locator("tbody tr")).to_have_count(3)
    page.get_by_test_id("saved-views").get_by_role("link", name="Closed VPN 😀 <&>").click()
    expect(page.get_by_test_id("list-table").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("list-table")).to_contain_text("VPN drops every hour")
    page.screenshot(path=artefacts / f"ticket-list-{language}.png")


MATCHING = {
    "en": ("Select all 12 tickets that match, on every page", "12 tickets done, 0 refused."),
    "id": ("Pilih semua 12 tiket yang cocok, di setiap halaman", "12 tiket selesai, 0 ditolak."),
}


@pytest.mark.parametrize("language", ["en", "id"])
def test_an_agent_takes_every_matching_ticket_across_pages(helpdesk, language, artefacts):
    select_all, summary = MATCHING[language]
    agent = make_agent(Level.I, username="dina", first_name="Dina", language=language)
    wanted = TicketFactory.create_batch(12, level=1, subject="Printer jam", status=Status.OPEN)
    other = TicketFactory(level=1, subject="Mouse broken", status=Status.OPEN)
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open("/tickets/all/?q=printer&per_page=10")
    expect(page.get_by_test_id("list-table").locator("tbody tr")).to_have_count(10)
    page.get_by_label(select_all).check()
    page.locator("#id_bulk_action").select_option("take")
    page.get_by_test_id("bulk-apply").click()
    expect(page.get_by_test_id("bulk-result").get_by_test_id("bulk-summary")).to_have_text(summary)
    # The list is drawn again: every row of the page now has the agent, the box is clear.
    expect(page.get_by_test_id("list-table").locator("tbody tr", has_text="Dina")).to_have_count(10)
    expect(page.get_by_label(select_all)).not_to_be_checked()
    page.screenshot(path=artefacts / f"bulk-matching-{language}.png", full_page=True)
    assert {t.assignee_id for t in type(other).objects.filter(pk__in=[t.pk for t in wanted])} == {agent.pk}
    other.refresh_from_db()
    assert other.assignee_id is None
