"""An agent times their work on a ticket in the browser, in English and in Indonesian: the
timer keeps running across a reload and records its time when stopped, a reply carries the
time typed beside it, and a duration that is not one is refused with nothing sent."""

import pytest
from playwright.sync_api import expect

from tests.factories import TicketFactory, make_agent
from tickets.models import Comment, TimeEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "start": "Start a timer",
        "started": "Timer started.",
        "stop": "Stop the timer",
        "stopped": "Timer stopped; the time is recorded.",
        "field": "Time spent (optional)",
        "total": "1 h 31 min",
        "refused": "Give the time spent in minutes",
    },
    "id": {
        "start": "Mulai pengatur waktu",
        "started": "Pengatur waktu dimulai.",
        "stop": "Hentikan pengatur waktu",
        "stopped": "Pengatur waktu dihentikan; waktunya sudah dicatat.",
        "field": "Waktu yang digunakan (opsional)",
        "total": "1 jam 31 menit",
        "refused": "Isi waktu yang digunakan dalam menit",
    },
}


@pytest.mark.parametrize("language", ["en", "id"])
def test_an_agent_times_the_work_and_sends_a_reply_with_the_time_spent(helpdesk, language):
    words = WORDS[language]
    agent = make_agent(1, username="sari", first_name="Sari", language=language)
    ticket = TicketFactory(level=1, status="open", subject="VPN drops")
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open(ticket.get_absolute_url())
    panel = page.get_by_test_id("time-panel")

    panel.get_by_role("button", name=words["start"]).click()
    expect(helpdesk.success(words["started"])).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("timer-running")).to_be_visible()
    page.get_by_role("button", name=words["stop"]).click()
    expect(helpdesk.success(words["stopped"])).to_be_visible()
    expect(page.get_by_test_id("time-entry")).to_have_count(1)

    page.locator("#form-comment textarea").fill("Reinstalled the VPN client <b>&</b> 🙂")
    page.get_by_label(words["field"]).fill("-5")
    page.locator("#form-comment-submit").click()
    expect(page.locator("#form-comment")).to_contain_text(words["refused"])
    assert not Comment.objects.filter(ticket=ticket).exists()

    page.locator("#form-comment textarea").fill("Reinstalled the VPN client <b>&</b> 🙂")
    page.get_by_label(words["field"]).fill("1h 30m")
    page.locator("#form-comment-submit").click()
    expect(page.get_by_test_id("time-total")).to_have_text(words["total"])
    expect(page.get_by_test_id("comment").last).to_contain_text("Reinstalled the VPN client <b>&</b> 🙂")
    assert helpdesk.axe_violations() == []
    entries = sorted(TimeEntry.objects.filter(ticket=ticket).values_list("minutes", "comment__body"))
    assert entries == [(1, None), (90, "Reinstalled the VPN client <b>&</b> 🙂")]
