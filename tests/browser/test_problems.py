"""Problem management in the browser, in English and in Bahasa Indonesia: an agent opens a
problem from a ticket, writes its root cause and workaround, links a second ticket, sends
the workaround there as a reply, and resolving the problem resolves both incidents."""

import pytest
from playwright.sync_api import expect

from accounts.choices import Level
from problems.models import Problem
from tests.factories import make_agent, make_requester
from tickets.choices import Status
from tickets.models import Comment, Ticket
from tickets.services import ticket_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"resolved": "Also resolved, their requesters told", "problem": "Problem"},
    "id": {"resolved": "Ikut diselesaikan, pemohonnya sudah diberi tahu", "problem": "Masalah"},
}
ROOT_CAUSE = "The floor switch hands the printers a new address every night."
WORKAROUND = "Print to PRN-3F by its name, not its address."


@pytest.mark.parametrize("language", ["en", "id"])
def test_an_agent_works_a_problem_from_a_ticket_to_its_resolution(helpdesk, language, artefacts):
    words = WORDS[language]
    agent = make_agent(Level.I, username="agus", first_name="Agus", language=language)
    first = ticket_create(
        requester=make_requester(), subject="Printer on floor 3 is gone", description="Jobs wait.", urgency="medium"
    )
    second = ticket_create(
        requester=make_requester(), subject="Cannot print on floor 3", description="Queue stuck.", urgency="medium"
    )
    page = helpdesk.page
    helpdesk.sign_in(agent)

    helpdesk.open(f"/tickets/{first.reference}/")
    expect(page.get_by_test_id("problems-panel")).to_contain_text(words["problem"])
    page.get_by_test_id("open-problem").click()
    expect(page.get_by_test_id("from-ticket")).to_contain_text(first.reference)
    expect(page.locator("#id_new_title")).to_have_value("Printer on floor 3 is gone")
    page.locator("#problem-new-submit").click()
    expect(page.get_by_test_id("reference")).to_contain_text("PRB-")
    problem = Problem.objects.get()

    page.locator("#id_edit_root_cause").fill(ROOT_CAUSE)
    page.locator("#id_edit_workaround").fill(WORKAROUND)
    page.locator("#problem-edit-submit").click()
    expect(page.get_by_test_id("root-cause")).to_have_text(ROOT_CAUSE)
    page.locator("#id_link_ticket").fill(second.reference.lower())
    page.locator("#problem-link-submit").click()
    expect(page.get_by_test_id("incidents")).to_contain_text(second.reference)

    helpdesk.open(f"/tickets/{second.reference}/")
    panel = page.get_by_test_id("problems-panel")
    expect(panel.get_by_test_id("problem-root-cause")).to_have_text(ROOT_CAUSE)
    expect(panel.get_by_test_id("problem-workaround")).to_have_text(WORKAROUND)
    page.screenshot(path=artefacts / f"problem-panel-{language}.png")
    panel.get_by_test_id("send-workaround").click()
    expect(page.get_by_test_id("comment").last).to_contain_text(WORKAROUND)
    assert Comment.objects.get(ticket=second).is_internal is False

    helpdesk.open(f"/problems/{problem.reference}/")
    page.locator("#id_resolve_resolution").fill("The switch now keeps the printers' addresses.")
    expect(page.locator("#id_resolve_resolve_incidents")).to_be_checked()
    page.locator("#problem-resolve-submit").click()
    expect(page.locator("body")).to_contain_text(words["resolved"])
    expect(page.locator("body")).to_contain_text(first.reference)
    page.screenshot(path=artefacts / f"problem-resolved-{language}.png")
    for ticket in (first, second):
        resolved = Ticket.objects.get(pk=ticket.pk)
        assert resolved.status == Status.RESOLVED
        assert resolved.resolution == "The switch now keeps the printers' addresses."
