"""The presence switch in the header, and automatic assignment as an agent meets it, in
English and in Bahasa Indonesia: away, a new ticket waits; available again, it is theirs."""

import pytest
from playwright.sync_api import expect

from accounts.choices import Level
from routing.choices import AssignmentMethod
from routing.models import AssignmentPolicy
from tests.factories import make_agent, make_requester
from tickets.models import Ticket
from tickets.services import ticket_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"available": "Available", "away": "Away", "reason": "Assigned automatically"},
    "id": {"available": "Tersedia", "away": "Sedang tidak di tempat", "reason": "Ditugaskan otomatis"},
}


@pytest.mark.parametrize("language", ["en", "id"])
def test_an_agent_away_gets_no_ticket_and_becoming_available_hands_it_over(helpdesk, language, artefacts):
    words = WORDS[language]
    AssignmentPolicy.objects.create(level=Level.I, method=AssignmentMethod.ROUND_ROBIN)
    agent = make_agent(Level.I, username="agus", first_name="Agus", language=language)
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open("/queue/")
    switch = page.get_by_test_id("presence-switch")
    expect(switch).to_have_attribute("data-presence", "available")
    expect(switch).to_contain_text(words["available"])

    switch.locator(".dropdown-toggle").click()
    page.get_by_test_id("presence-away").click()
    expect(page.get_by_test_id("presence-switch")).to_have_attribute("data-presence", "away")
    expect(page.get_by_test_id("presence-switch").locator(".dropdown-toggle")).to_contain_text(words["away"])

    waiting = ticket_create(
        requester=make_requester(), subject="Printer on floor 2 jams", description="It jams.", urgency="medium"
    )
    assert Ticket.objects.get(pk=waiting.pk).assignee is None

    page.get_by_test_id("presence-switch").locator(".dropdown-toggle").click()
    page.get_by_test_id("presence-available").click()
    expect(page.get_by_test_id("presence-switch")).to_have_attribute("data-presence", "available")
    page.screenshot(path=artefacts / f"presence-{language}.png")
    assert Ticket.objects.get(pk=waiting.pk).assignee == agent

    helpdesk.open(f"/tickets/{waiting.reference}/")
    expect(page.get_by_test_id("assignee")).to_have_text("Agus")
    expect(page.locator("body")).to_contain_text(words["reason"])
