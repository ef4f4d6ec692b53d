import pytest
from playwright.sync_api import expect

from notifications.models import Notification, NotificationPreference
from tests.factories import make_requester
from tickets import services
from tickets.choices import Impact, Urgency

from .pages import describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_requester_follows_the_link_in_the_acknowledgement_unsubscribes_and_undoes_it(helpdesk, settings):
    settings.HELPDESK_BASE_URL = helpdesk.base_url
    requester = make_requester(language="id")
    ticket = services.ticket_create(
        requester=requester, subject="Wi-Fi lantai 2", description="Putus terus", impact=Impact.LOW, urgency=Urgency.LOW
    )
    [row] = Notification.objects.filter(ticket=ticket, kind="ticket_created", channel="email")
    page = helpdesk.page

    # Not signed in: the link is all it takes, and the page speaks the person's language.
    page.goto(row.headers["List-Unsubscribe"][1:-1])
    expect(page.get_by_role("heading", name="Berhenti berlangganan")).to_be_visible()
    expect(page.get_by_test_id("unsubscribe-ask")).to_contain_text("Tiket diterima")
    asked_violations = helpdesk.axe_violations()
    page.get_by_role("button", name="Berhenti berlangganan").click()
    expect(page.get_by_test_id("unsubscribe-done")).to_be_visible()
    assert NotificationPreference.objects.get(user=requester).essential_email_only is True
    done_violations = helpdesk.axe_violations()

    page.get_by_role("button", name="Batalkan: kirimi saya email lagi").click()
    expect(page.get_by_test_id("unsubscribe-undone")).to_be_visible()
    assert NotificationPreference.objects.get(user=requester).essential_email_only is False
    assert asked_violations == [], describe(asked_violations)
    assert done_violations == [], describe(done_violations)
