"""The supervisors' configuration pages in the browser, in English and in Bahasa
Indonesia: an SLA policy's target edited, its recompute confirmed and watched to the
end; an agent added to Level II on the levels page."""

import pytest
from playwright.sync_api import expect

from accounts.choices import Level
from accounts.models import SupportLevel
from sla.models import SlaPolicy
from tests.factories import make_agent, make_requester, make_supervisor
from tickets.models import Ticket
from tickets.services import ticket_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "save": "Save the policy",
        "question": "2 open tickets are governed by this; recompute their due times now?",
        "finished": "Finished",
        "add": "Add to this level",
    },
    "id": {
        "save": "Simpan kebijakan",
        "question": "2 tiket terbuka diatur oleh ini; hitung ulang tenggatnya sekarang?",
        "finished": "Selesai",
        "add": "Tambahkan ke level ini",
    },
}


@pytest.mark.parametrize("language", ["en", "id"])
def test_a_supervisor_edits_a_target_and_watches_the_recompute_finish(helpdesk, language, artefacts):
    words = WORDS[language]
    requester = make_requester()
    tickets = [
        ticket_create(requester=requester, subject=f"Printer {n}", description="Jams.", urgency="low") for n in (1, 2)
    ]
    policy = SlaPolicy.objects.get(priority=tickets[0].priority, category__isnull=True)
    before = {ticket.pk: ticket.first_response_due_at for ticket in tickets}
    page = helpdesk.page
    helpdesk.sign_in(make_supervisor(username="sari", language=language))
    helpdesk.open("/queue/")
    page.get_by_test_id("nav-configuration").click()
    expect(page.get_by_test_id("configuration-nav")).to_be_visible()
    helpdesk.open(f"/configuration/sla/{policy.pk}/")
    page.locator("#id_first_response_minutes").fill(str(policy.first_response_minutes + 120))
    page.get_by_role("button", name=words["save"]).click()
    expect(page.get_by_test_id("recompute-question")).to_have_text(words["question"])
    page.get_by_test_id("recompute-confirm").click()
    expect(page.get_by_test_id("recompute-progress")).to_have_attribute("data-status", "finished", timeout=15_000)
    expect(page.get_by_test_id("recompute-status")).to_have_text(words["finished"])
    page.screenshot(path=artefacts / f"recompute-{language}.png")
    for ticket in Ticket.objects.filter(pk__in=before):
        assert ticket.first_response_due_at != before[ticket.pk]


@pytest.mark.parametrize("language", ["en", "id"])
def test_a_supervisor_adds_an_agent_to_level_two(helpdesk, language, artefacts):
    words = WORDS[language]
    agent = make_agent(Level.I, username="budi", first_name="Budi", last_name="Santoso")
    page = helpdesk.page
    helpdesk.sign_in(make_supervisor(username="sari", language=language))
    helpdesk.open("/configuration/levels/")
    level_two = page.get_by_test_id("level-2")
    expect(level_two.get_by_test_id("member")).to_have_count(0)
    page.locator("#agent-2").select_option(str(agent.pk))
    page.get_by_test_id("add-member-2").get_by_role("button", name=words["add"]).click()
    expect(page.get_by_test_id("level-2").get_by_test_id("member")).to_contain_text(["Budi Santoso"])
    page.screenshot(path=artefacts / f"levels-{language}.png")
    assert SupportLevel.objects.get(number=2).members.filter(pk=agent.pk).exists()
