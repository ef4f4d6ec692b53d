"""Signing in with the organisation's directory in Chromium, against the suite's real slapd:
a supervisor of the directory reaches the dashboard, and is sent back to the sign-in page
once the directory locks them."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts.directory_server import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_directory_supervisor_signs_in_works_and_is_signed_out_when_the_directory_locks_them(helpdesk, directory):
    dn = directory.person(
        "wulan",
        given="Wulan",
        surname="Sari",
        mail="wulan@kantor.example",
        groups=("helpdesk-users", "it-supervisors", "level-1", "level-2", "level-3"),
    )
    page = helpdesk.open("/accounts/login/")
    page.get_by_label("Username").fill("wulan")
    page.get_by_label("Password").fill("not-it")
    page.get_by_role("button", name="Sign in").click()
    expect(helpdesk.error("did not match")).to_be_visible()

    page.get_by_label("Username").fill("wulan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_test_id("current-user")).to_contain_text("Wulan Sari")
    helpdesk.open("/dashboard/")
    expect(page.get_by_role("heading", name="Supervisor dashboard")).to_be_visible()

    directory.server.lock(dn)
    get_user_model().objects.filter(username="wulan").update(directory_checked_at=timezone.now() - timedelta(minutes=6))
    helpdesk.open("/dashboard/")

    expect(page.get_by_role("heading", name="Sign in to the helpdesk")).to_be_visible()
    assert not get_user_model().objects.get(username="wulan").is_active
