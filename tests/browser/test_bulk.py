"""Bulk actions in the queue, in English and in Bahasa Indonesia: an agent ticks three
tickets, one of which the rules refuse (it waits on a vendor), escalates them with one
reason and sees two done and one refused with the reason. And two files sent with one
reply."""

import pytest
from playwright.sync_api import expect

from accounts.choices import Level
from tests.factories import TicketFactory, make_agent
from tickets.choices import EventKind, Status
from tickets.models import Attachment, Comment, Ticket, TicketEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "summary": "2 tickets done, 1 refused.",
        "refused": "is waiting on a vendor: close the vendor escalation first.",
    },
    "id": {
        "summary": "2 tiket selesai, 1 ditolak.",
        "refused": "sedang menunggu vendor: tutup dulu eskalasi ke vendor.",
    },
}
REASON = "Switch on floor 3 is down 🙂"


@pytest.mark.parametrize("language", ["en", "id"])
def test_an_agent_escalates_three_tickets_at_once_and_sees_the_one_refused(helpdesk, language, artefacts):
    words = WORDS[language]
    agent = make_agent(Level.I, username="sari", first_name="Sari", language=language)
    make_agent(Level.II)
    first = TicketFactory(level=1, subject="VPN drops", status=Status.OPEN)
    second = TicketFactory(level=1, subject="No sound", status=Status.OPEN)
    waiting = TicketFactory(level=1, subject="Laptop at the vendor", status=Status.PENDING_VENDOR)
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open("/queue/?level=1")
    for ticket in (first, second, waiting):
        page.locator(f'input[name="tickets"][value="{ticket.reference}"]').check()
    page.locator("#id_bulk_action").select_option("escalate")
    reason = page.locator("#id_bulk_reason")
    expect(reason).to_be_visible()
    reason.fill(REASON)
    page.get_by_test_id("bulk-apply").click()

    result = page.get_by_test_id("bulk-result")
    expect(result.get_by_test_id("bulk-summary")).to_have_text(words["summary"])
    expect(result.locator('[data-testid="bulk-row"][data-done="1"]')).to_have_count(2)
    refused = result.locator(f'[data-testid="bulk-row"][data-reference="{waiting.reference}"]')
    expect(refused).to_have_attribute("data-done", "0")
    expect(refused).to_contain_text(words["refused"])
    page.screenshot(path=artefacts / f"bulk-escalate-{language}.png", full_page=True)

    assert set(Ticket.objects.filter(pk__in=[first.pk, second.pk]).values_list("level", flat=True)) == {2}
    assert Ticket.objects.get(pk=waiting.pk).level == 1
    assert TicketEvent.objects.filter(kind=EventKind.ESCALATED, reason=REASON).count() == 2
    # The list is drawn again: the escalated tickets have left Level I's queue.
    expect(page.get_by_test_id("queue-table")).not_to_contain_text(first.reference)
    expect(page.get_by_test_id("queue-table")).to_contain_text(waiting.reference)


def test_an_agent_sends_two_files_with_one_reply(helpdesk, artefacts):
    agent = make_agent(Level.I, username="budi", first_name="Budi")
    ticket = TicketFactory(level=1, subject="Printer prints blank pages", status=Status.OPEN)
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open(f"/tickets/{ticket.reference}/")
    page.locator("#id_comment_body").fill("Both logs attached.")
    page.locator("#id_comment_attachment").set_input_files(
        [
            {"name": "spooler.log", "mimeType": "text/plain", "buffer": b"spooler restarted"},
            {"name": "driver.txt", "mimeType": "text/plain", "buffer": b"driver 4.2"},
        ]
    )
    page.locator("#form-comment-submit").click()
    expect(page.get_by_role("link", name="spooler.log")).to_be_visible()
    expect(page.get_by_role("link", name="driver.txt")).to_be_visible()
    page.screenshot(path=artefacts / "reply-two-files.png", full_page=True)
    comment = Comment.objects.get(ticket=ticket)
    names = Attachment.objects.filter(comment=comment).order_by("pk").values_list("original_name", flat=True)
    assert list(names) == ["spooler.log", "driver.txt"]
