import re

import pytest
from playwright.sync_api import expect

from notifications.models import Notification
from replies.models import CannedReply
from satisfaction.models import Rating
from tests.factories import make_agent, make_requester
from tickets import services
from tickets.choices import Impact, Status, Urgency
from tickets.models import Comment, Ticket

from .pages import describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+/rate/[^/\s]+/(\d)/")


@pytest.mark.parametrize(
    ("language", "expected", "pending"),
    [
        ("en", "Hi Rina, HD-{n} is with Level I. Andi Pratama", "Pending on customer"),
        ("id", "Halo Rina, HD-{n} ada di Level I. Andi Pratama", "Tertunda (menunggu pemohon)"),
    ],
)
def test_an_agent_inserts_a_canned_reply_with_the_keyboard_and_sends_it(helpdesk, language, expected, pending):
    agent = make_agent(1, username="andi", first_name="Andi", last_name="Pratama", language=language)
    requester = make_requester(first_name="Rina", language=language)
    ticket = services.ticket_create(
        requester=requester, subject="Printer", description="Jammed", impact=Impact.LOW, urgency=Urgency.LOW
    )
    CannedReply.objects.create(title="Unrelated", body_en="Other", level=1)
    CannedReply.objects.create(
        title="Need a photo",
        body_en="Hi {requester_first_name}, {ticket_reference} is with {level}. {agent_name}",
        body_id="Halo {requester_first_name}, {ticket_reference} ada di {level}. {agent_name}",
        level=1,
        set_status=Status.PENDING,
    )
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open(ticket.get_absolute_url())
    box = page.locator("#form-comment textarea")
    box.focus()
    page.keyboard.type("/")
    search = page.locator("#canned-search")
    expect(search).to_be_focused()
    page.keyboard.type("photo")
    expect(page.get_by_test_id("canned-list").get_by_role("option")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    text = expected.format(n=f"{ticket.pk:06d}")
    expect(box).to_have_value(text)
    expect(box).to_be_focused()
    expect(page.get_by_test_id("canned-changes")).to_contain_text(pending)
    violations = helpdesk.axe_violations()
    # Esc closes the picker opened again with Alt+R, and the text stays.
    page.keyboard.press("Alt+r")
    expect(search).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#canned-popup")).to_be_hidden()
    expect(box).to_have_value(text)
    page.locator("#form-comment-submit").click()
    expect(page.get_by_test_id("timeline")).to_contain_text(text)
    assert Comment.objects.get(ticket=ticket).body == text
    assert Ticket.objects.get(pk=ticket.pk).status == Status.PENDING
    assert violations == [], describe(violations)


@pytest.mark.parametrize(
    ("language", "saved"),
    [
        ("en", "Thank you: you rated our help “4 — satisfied”"),
        ("id", "Terima kasih: Anda menilai bantuan kami “4 — puas”"),
    ],
)
def test_a_requester_rates_from_the_link_in_the_resolution_mail(helpdesk, settings, language, saved):
    settings.HELPDESK_BASE_URL = helpdesk.base_url
    agent = make_agent(1)
    requester = make_requester(language=language)
    ticket = services.ticket_create(
        requester=requester, subject="Wi-Fi", description="Drops", impact=Impact.LOW, urgency=Urgency.LOW
    )
    services.ticket_resolve(ticket_id=ticket.pk, by=agent, resolution="New access point")
    [row] = Notification.objects.filter(ticket=ticket, kind="resolved", channel="email")
    links = {match.group(1): match.group(0) for match in LINK.finditer(row.body_text)}
    page = helpdesk.page
    page.goto(links["4"])
    expect(page.locator("#id_rating_score_1")).to_be_checked()
    assert not Rating.objects.exists()
    page.locator("#id_rating_comment").fill("Cepat & ramah 🙂")
    violations = helpdesk.axe_violations()
    page.locator("#form-rating-submit").click()
    expect(page.get_by_test_id("rating-saved")).to_contain_text(saved)
    rating = Rating.objects.get()
    assert (rating.ticket_id, rating.score, rating.comment) == (ticket.pk, 4, "Cepat & ramah 🙂")
    # The same mail's link again: already rated, and changing it keeps one rating.
    page.goto(links["5"])
    expect(page.get_by_test_id("rating-already")).to_be_visible()
    page.locator("#form-rating-submit").click()
    expect(page.get_by_test_id("rating-saved")).to_be_visible()
    assert Rating.objects.get().score == 5 and Rating.objects.count() == 1
    assert violations == [], describe(violations)
