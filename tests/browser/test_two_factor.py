"""A supervisor sets up two-factor sign-in in the browser, under the Content-Security-Policy
(the QR code is an image the page draws with no script), and signs in with a code."""

import base64

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.browser.pages import PASSWORD
from tests.factories import make_supervisor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _required_roles(settings):
    settings.HELPDESK_2FA_REQUIRED_ROLES = ["supervisor", "admin"]


def app_code(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app given this secret key shows (``steps_ahead`` periods later)."""
    key = base64.b32decode(secret.replace(" ", ""))
    return f"{totp(key, drift=steps_ahead):06d}"


def password_step(helpdesk, user) -> None:
    page = helpdesk.open("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_supervisor_sets_up_an_authenticator_app_and_signs_in_with_its_code(helpdesk):
    supervisor = make_supervisor(username="sari", first_name="Sari")
    page = helpdesk.page

    password_step(helpdesk, supervisor)
    expect(page.get_by_role("heading", name="Turn on two-factor sign-in")).to_be_visible()
    expect(page.get_by_test_id("two-factor-required")).to_be_visible()
    # Any other page sends her back here until it is done.
    helpdesk.open("/dashboard/")
    expect(page.get_by_role("heading", name="Turn on two-factor sign-in")).to_be_visible()
    qr_code = page.get_by_test_id("qr-code")
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("image => image.complete && image.naturalWidth > 0")
    assert helpdesk.axe_violations() == []
    secret = page.get_by_test_id("secret-key").input_value()

    page.get_by_label("Code from the app").fill("12ab")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("Enter the 6-digit code your authenticator app shows.")).to_be_visible()
    page.get_by_label("Code from the app").fill(app_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I have kept them, continue").click()
    expect(page.get_by_role("heading", name="Supervisor dashboard")).to_be_visible()
    helpdesk.sign_out()

    password_step(helpdesk, supervisor)
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    assert helpdesk.axe_violations() == []
    page.get_by_label("Code").fill("🙂")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Enter the 6-digit code your authenticator app shows, or one of")).to_be_visible()
    # The code of the next 30 seconds: the one used to set up is not taken twice.
    page.get_by_label("Code").fill(app_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-user")).to_contain_text("Sari")
    helpdesk.nav("Dashboard")
    expect(page.get_by_role("heading", name="Supervisor dashboard")).to_be_visible()

    # Her profile says it is on, with the backup codes she has left.
    helpdesk.open("/accounts/profile/")
    section = page.get_by_test_id("two-factor")
    expect(section).to_contain_text("After your password you give a code from your authenticator app.")
    expect(section).to_contain_text("You have 10 unused backup codes.")
    assert helpdesk.axe_violations() == []
