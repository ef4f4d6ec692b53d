import pytest
from playwright.sync_api import expect

from notifications.models import NotificationPreference
from tests.factories import make_agent

from .pages import describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_adds_a_phone_then_chooses_sms_for_warnings_and_quiet_hours(helpdesk):
    agent = make_agent(1)
    page = helpdesk.page
    helpdesk.sign_in(agent)

    helpdesk.account_menu()
    page.get_by_role("link", name="Notification settings").click()
    expect(page.get_by_role("heading", name="Notification settings")).to_be_visible()
    expect(page.get_by_test_id("no-phone")).to_be_visible()
    page.get_by_test_id("no-phone").get_by_role("link").click()

    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    page.get_by_label("Mobile phone").fill("12345")
    page.get_by_label("Time zone").select_option("Asia/Makassar")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("is not a valid phone number")).to_be_visible()
    profile_violations = helpdesk.axe_violations()
    page.get_by_label("Mobile phone").fill("0812 3456 7890")
    page.get_by_role("button", name="Save").click()
    expect(helpdesk.success("Your profile has been saved.")).to_be_visible()
    expect(page.get_by_label("Mobile phone")).to_have_value("+6281234567890")

    page.get_by_role("link", name="Choose which notifications you get").click()
    expect(page.get_by_test_id("no-phone")).to_have_count(0)
    page.get_by_label("SMS: SLA warning").check()
    page.get_by_label("Email: Ticket sent back down").uncheck()
    page.get_by_label("Quiet hours from").fill("22:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Give both the start and the end of your quiet hours, or neither.")).to_be_visible()
    expect(page.get_by_label("SMS: SLA warning")).to_be_checked()  # what was chosen is kept
    preference_violations = helpdesk.axe_violations()
    page.get_by_label("Quiet hours until").fill("06:00")
    page.get_by_role("button", name="Save").click()
    expect(helpdesk.success("Your notification settings have been saved.")).to_be_visible()

    preference = NotificationPreference.objects.get(user=agent)
    assert "sla_warning" in preference.sms_kinds
    assert "de_escalated" not in preference.email_kinds
    assert (preference.quiet_start.hour, preference.quiet_end.hour) == (22, 6)
    agent.refresh_from_db()
    assert (agent.phone, agent.time_zone) == ("+6281234567890", "Asia/Makassar")
    assert profile_violations == [], describe(profile_violations)
    assert preference_violations == [], describe(preference_violations)
