"""Snoozing a ticket in the browser, in English and in Bahasa Indonesia: the agent snoozes
it from the ticket page, it leaves the queue for the Snoozed tab, and once its time has
passed (the follow-up sweep run at that time) it is back in the queue."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.choices import Level
from tests.factories import make_agent, make_requester
from tickets.choices import EventKind
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_create, tickets_snooze_wake

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"choice": "In 1 hour", "snooze": "Snooze", "snoozed": "Snoozed: the ticket is out of the queue"},
    "id": {"choice": "1 jam lagi", "snooze": "Tunda", "snoozed": "Ditunda: tiket keluar dari antrean"},
}


@pytest.mark.parametrize("language", ["en", "id"])
def test_a_snoozed_ticket_leaves_the_queue_and_comes_back_when_its_time_passes(helpdesk, language, artefacts):
    words = WORDS[language]
    agent = make_agent(Level.I, username="sari", first_name="Sari", language=language)
    ticket = ticket_create(
        requester=make_requester(), subject="Scanner on floor 3 offline", description="No light.", urgency="medium"
    )
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open("/queue/?level=1")
    expect(page.get_by_test_id("queue-table")).to_contain_text("Scanner on floor 3 offline")

    helpdesk.open(f"/tickets/{ticket.reference}/")
    panel = page.get_by_test_id("snooze")
    panel.locator("select").select_option("hour")
    expect(panel.locator("select option:checked")).to_have_text(words["choice"])
    panel.get_by_role("button", name=words["snooze"], exact=True).click()
    expect(page.locator("body")).to_contain_text(words["snoozed"])
    expect(page.get_by_test_id("snoozed-until")).to_be_visible()
    until = Ticket.objects.get(pk=ticket.pk).snoozed_until
    assert until is not None and until > timezone.now() + timedelta(minutes=59)

    helpdesk.open("/queue/?level=1")
    expect(page.get_by_test_id("queue-table")).to_have_count(0)
    helpdesk.open("/queue/?level=1&view=snoozed")
    expect(page.get_by_test_id("queue-table")).to_contain_text("Scanner on floor 3 offline")
    expect(page.get_by_test_id("comes-back")).to_have_count(1)
    page.screenshot(path=artefacts / f"snoozed-{language}.png")

    # The snooze's time passes: the sweep, run as beat runs it, at that moment.
    assert tickets_snooze_wake(now=until) == [ticket.pk]
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SNOOZE_ENDED, actor=None).exists()

    helpdesk.open("/queue/?level=1")
    expect(page.get_by_test_id("queue-table")).to_contain_text("Scanner on floor 3 offline")
    helpdesk.open("/queue/?level=1&view=snoozed")
    expect(page.get_by_test_id("queue-table")).to_have_count(0)
