"""Watchers and merging in the browser, in English and in Indonesian: an agent merges a
duplicate into another ticket from its page and lands on that ticket, which shows the
duplicate's conversation and its requester among those who follow it, while the duplicate
says where it went; a requester copies a colleague in by email, who then reads the ticket."""

import pytest
from playwright.sync_api import expect

from tests.factories import TicketFactory, make_agent, make_requester
from tickets import services
from tickets.models import Ticket, TicketWatcher

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "into": "Merge this ticket into",
        "merge": "Merge",
        "merged": "Merged:",
        "pointer": "This ticket was merged into",
        "email": "Colleague's email address",
        "copy": "Copy in",
        "added": "Your colleague was added",
        "unknown": "No such colleague",
    },
    "id": {
        "into": "Gabungkan tiket ini ke",
        "merge": "Gabungkan",
        "merged": "Digabungkan:",
        "pointer": "Tiket ini digabungkan ke",
        "email": "Alamat email rekan",
        "copy": "Ikutsertakan",
        "added": "Rekan Anda sudah ditambahkan",
        "unknown": "Rekan tersebut tidak ditemukan",
    },
}


@pytest.mark.parametrize("language", ["en", "id"])
def test_an_agent_merges_a_duplicate_and_lands_on_the_ticket_it_was_merged_into(helpdesk, language):
    words = WORDS[language]
    agent = make_agent(1, username="sari", first_name="Sari", language=language)
    target = TicketFactory(level=1, status="open", subject="Wi-Fi down on floor 3")
    duplicate_requester = make_requester(username="budi", first_name="Budi", last_name="Santoso")
    duplicate = TicketFactory(level=1, status="open", subject="No Wi-Fi", requester=duplicate_requester)
    services.comment_add(ticket_id=duplicate.pk, author=agent, body="Access point 3 <b>&</b> rebooting 🙂")
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open(duplicate.get_absolute_url())

    page.get_by_label(words["into"]).fill(target.reference.lower())
    page.get_by_test_id("merge").get_by_role("button", name=words["merge"]).click()

    expect(helpdesk.success(words["merged"])).to_be_visible()
    assert page.url.endswith(target.get_absolute_url())
    expect(page.get_by_test_id("reference")).to_have_text(target.reference)
    expect(page.get_by_test_id("timeline")).to_contain_text("Access point 3 <b>&</b> rebooting 🙂")
    expect(page.get_by_test_id("watcher")).to_contain_text("Budi Santoso")
    expect(page.get_by_test_id("links")).to_contain_text(duplicate.reference)
    assert helpdesk.axe_violations() == []

    helpdesk.open(duplicate.get_absolute_url())
    pointer = page.get_by_test_id("merged-into")
    expect(pointer).to_contain_text(words["pointer"])
    pointer.get_by_role("link", name=target.reference).click()
    expect(page.get_by_test_id("reference")).to_have_text(target.reference)
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id == target.pk
    # The page's panels load after it: let them finish before the database is emptied.
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("language", ["en", "id"])
def test_a_requester_copies_a_colleague_in_who_then_reads_the_ticket(helpdesk, language):
    words = WORDS[language]
    requester = make_requester(username="rina", first_name="Rina", language=language)
    colleague = make_requester(username="dewi", first_name="Dewi", email="dewi@example.com", language=language)
    ticket = TicketFactory(level=1, status="open", subject="Printer jams", requester=requester)
    page = helpdesk.page
    helpdesk.sign_in(requester)
    helpdesk.open(ticket.get_absolute_url())

    page.get_by_label(words["email"]).fill("nobody.here@example.com")
    page.get_by_role("button", name=words["copy"]).click()
    expect(helpdesk.error(words["unknown"])).to_be_visible()
    assert not TicketWatcher.objects.exists()

    page.get_by_label(words["email"]).fill("DEWI@example.com")
    page.get_by_role("button", name=words["copy"]).click()
    expect(helpdesk.success(words["added"])).to_be_visible()
    expect(page.get_by_test_id("watcher")).to_contain_text("Dewi")
    assert helpdesk.axe_violations() == []

    page.context.clear_cookies()
    helpdesk.sign_in(colleague)
    helpdesk.open(ticket.get_absolute_url())
    expect(page.get_by_test_id("reference")).to_have_text(ticket.reference)
    page.locator("#form-comment textarea").fill("Same on my floor")
    page.locator("#form-comment-submit").click()
    expect(page.get_by_test_id("comment").last).to_contain_text("Same on my floor")
    # The page's panels load after it: let them finish before the database is emptied.
    page.wait_for_load_state("networkidle")
