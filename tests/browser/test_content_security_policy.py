"""The Content-Security-Policy holds in the browser: pages that need no inline script or
style work under it (every browser test collects the violations the browser reports, and
fails on any), and the policy really is enforced, so that collecting them means something."""

import pytest
from playwright.sync_api import expect

from tests.factories import TicketFactory, make_supervisor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inline_script_is_refused_and_reported(helpdesk, csp_violations):
    page = helpdesk.open("/accounts/login/")
    page.evaluate(
        """() => { const script = document.createElement("script");
                   script.textContent = "window.injected = true;";
                   document.body.append(script); }"""
    )
    expect(page.get_by_role("heading", name="Sign in to the helpdesk")).to_be_visible()
    assert page.evaluate("() => window.injected === undefined")
    assert [(v["page"], v["directive"], v["blocked"]) for v in csp_violations] == [
        ("/accounts/login/", "script-src-elem", "inline")
    ]
    csp_violations.clear()


# ReDoc's footer always shows Redocly's logo from their server; the policy keeps the page
# from reaching the internet for it (offices may have none), and ReDoc then leaves it out.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


# Both pages fetch the whole schema (every operation of the API) and lay it out in the
# browser before the first path shows: seconds on a busy machine, so a longer wait.
DOCUMENT_RENDERED = 30_000


def test_the_api_documentation_renders_under_the_policy(helpdesk, csp_violations):
    page = helpdesk.open("/api/docs/")
    expect(page.get_by_text("/api/v1/tickets/").first).to_be_visible(timeout=DOCUMENT_RENDERED)
    page = helpdesk.open("/api/redoc/")
    expect(page.get_by_text("/api/v1/tickets/").first).to_be_visible(timeout=DOCUMENT_RENDERED)
    expect(page.get_by_role("link", name="API docs by Redocly")).to_be_visible()
    logo = [v for v in csp_violations if v["blocked"] == REDOC_LOGO]
    assert {v["directive"] for v in logo} <= {"img-src"}
    csp_violations[:] = [v for v in csp_violations if v["blocked"] != REDOC_LOGO]


def test_the_monthly_report_prints_from_its_button(helpdesk):
    supervisor = make_supervisor()
    TicketFactory()
    helpdesk.sign_in(supervisor)
    page = helpdesk.open("/reports/monthly/")
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("() => window.printed") == 1
