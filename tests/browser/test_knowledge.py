"""The knowledge base in the browser: suggestions while the subject is typed on the
new-ticket form (in English and Bahasa Indonesia), a deflection counted on the dashboard,
the reply box's article picker, and an article read without signing in."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from knowledge.models import Suggestion, SuggestionVisit
from tests.factories import category, make_agent, make_requester, make_supervisor
from tests.knowledge.support import make_article
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"subject": "Subject", "title": "Printer jams", "heading": "These articles may answer your question"},
    "id": {
        "subject": "Subjek",
        "title": "Kertas printer macet",
        "heading": "Artikel ini mungkin menjawab pertanyaan Anda",
    },
}


def printer_article():
    return make_article(
        en=("Printer jams", "## Steps\n\n1. Open the tray\n2. Pull the paper out"),
        id=("Kertas printer macet", "## Langkah\n\n1. Buka baki\n2. Tarik kertasnya"),
        category=category("Printer and scanner"),
    )


@pytest.mark.parametrize("language", ["en", "id"])
def test_suggestions_appear_while_the_subject_is_typed_and_an_opened_one_is_a_deflection(helpdesk, language):
    article = printer_article()
    make_article(en=("VPN drops", "Reconnect."))
    words = WORDS[language]
    requester = make_requester(language=language)
    helpdesk.sign_in(requester)
    page = helpdesk.open("/tickets/new/")

    subject = page.get_by_role("textbox", name=words["subject"])
    subject.press_sequentially("printer ja", delay=40)
    region = page.locator("#kb-suggestions")
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region.get_by_role("heading", name=words["heading"])).to_be_visible()
    link = region.get_by_role("link", name=words["title"])
    expect(link).to_be_visible()
    expect(region.get_by_role("link")).to_have_count(1)
    # The list sits under the subject, and the keyboard reaches it from there.
    assert page.evaluate("() => document.getElementById('div_id_subject').nextElementSibling.id") == "kb-suggestions"
    subject.press("ArrowDown")
    expect(link).to_be_focused()
    link.press("Escape")
    expect(subject).to_be_focused()
    subject.press("ArrowDown")

    with page.context.expect_page() as opened:
        link.press("Enter")
    reader = opened.value
    expect(reader.get_by_role("heading", level=1)).to_have_text(words["title"])
    expect(reader.get_by_test_id("article-body").get_by_role("listitem")).to_have_count(2)
    reader.close()
    suggestion = Suggestion.objects.get()
    assert suggestion.article == article and suggestion.opened_at is not None

    # The requester leaves without filing; half an hour later the visit is over.
    helpdesk.open("/tickets/")
    assert not Ticket.objects.exists()
    over = timezone.now() - timedelta(minutes=1)
    SuggestionVisit.objects.update(started_at=over - timedelta(minutes=40), window_ends_at=over)

    page.context.clear_cookies()
    helpdesk.sign_in(make_supervisor(language=language))
    page = helpdesk.open("/dashboard/")
    table = page.get_by_test_id("deflections")
    expect(table).to_be_visible()
    expect(page.get_by_test_id("deflections-total")).to_have_text("1")
    expect(table.locator("tbody tr")).to_have_count(1)


def test_filing_anyway_shows_staff_what_was_suggested_and_the_picker_links_an_article_into_the_reply(helpdesk):
    article = printer_article()
    requester = make_requester()
    helpdesk.sign_in(requester)
    page = helpdesk.open("/tickets/new/")
    page.get_by_role("textbox", name="Subject").press_sequentially("Printer", delay=40)
    expect(page.locator("#kb-suggestions").get_by_role("link", name="Printer jams")).to_be_visible()
    page.get_by_label("Description").fill("The printer on floor 3 eats paper.")
    page.get_by_role("button", name="File ticket").click()
    expect(page).to_have_url(re.compile(r"/tickets/HD-\d{6}/$"))
    ticket = Ticket.objects.get()

    helpdesk.sign_out()
    helpdesk.sign_in(make_agent(1))
    page = helpdesk.open(ticket.get_absolute_url())
    shown = page.get_by_test_id("suggested-before-filing")
    expect(shown).to_contain_text("Printer jams")
    expect(shown).to_contain_text("(not opened)")

    page.get_by_label("Message").fill("Hello, this should help:")
    picker = page.get_by_label("Link an article into the reply")
    picker.press_sequentially("jam", delay=40)
    choice = page.get_by_test_id("picker-results").get_by_role("button", name="Printer jams")
    choice.click()
    expect(page.get_by_label("Message")).to_have_value(
        f"Hello, this should help:\nPrinter jams — http://127.0.0.1:8000{article.get_absolute_url()}"
    )


def test_an_article_is_read_and_rated_without_signing_in(helpdesk):
    printer_article()
    page = helpdesk.open("/kb/")
    page.get_by_label("Search the articles").fill("tray")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Printer jams").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Printer jams")
    expect(page.get_by_test_id("article-body").get_by_role("heading", name="Steps")).to_be_visible()
    page.get_by_role("link", name="Bahasa Indonesia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kertas printer macet")
    page.get_by_test_id("helpful").get_by_role("button", name="Yes").click()
    expect(helpdesk.success("Thank you for telling us.")).to_be_visible()
    expect(page.get_by_test_id("vote-counts")).to_have_text("1 found it helpful, 0 did not")
    expect(page.get_by_test_id("helpful").get_by_role("button", name="Yes")).to_have_attribute("aria-pressed", "true")
    assert helpdesk.axe_violations() == []
