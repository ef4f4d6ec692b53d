"""The three everyday journeys, in English and in Bahasa Indonesia, on a desktop and on
a phone: each step is screenshot (kept in test-artefacts/) and checked with axe-core, and
at phone width nothing scrolls sideways and controls are large enough to tap."""

import pytest
from playwright.sync_api import expect

from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets.models import Attachment, Comment, Ticket, TicketEvent

from .pages import PASSWORD, axe_load, csp_watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
LOCALES = {"en": "en-GB", "id": "id-ID"}
# WCAG 2.2 AA: targets at least 24 by 24 CSS pixels.
MIN_TARGET = 24


class Journey:
    """One person's browser, in one language at one width, checking every page it shows."""

    def __init__(self, browser, base_url: str, language: str, width: str, folder) -> None:
        self.context = browser.new_context(
            viewport=VIEWPORTS[width], locale=LOCALES[language], is_mobile=width == "phone"
        )
        self.csp_violations = csp_watch(self.context)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.language = language
        self.width = width
        self.folder = folder
        self.steps = 0
        self.problems: list[str] = []

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def check(self, name: str) -> None:
        """Screenshot the page, and note any serious accessibility or layout problem."""
        page = self.page
        self.steps += 1
        page.screenshot(path=str(self.folder / f"{self.steps:02d}-{name}.png"), full_page=True)
        assert page.evaluate("() => document.documentElement.lang") == self.language, name
        axe_load(page)
        violations = page.evaluate(
            """async () => (await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}}))
                .violations.filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "))"""
        )
        self.problems += [f"{name}: {violation}" for violation in violations]
        if self.width == "phone":
            if page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth + 1"):
                self.problems.append(f"{name}: scrolls sideways")
            small = page.evaluate(
                """(min) => Array.from(document.querySelectorAll(
                        "main button, main input:not([type=hidden]), main select, main textarea, nav button"))
                    .filter(el => el.offsetParent !== null)
                    .map(el => [el.id || el.name || el.textContent.trim().slice(0, 20), el.getBoundingClientRect()])
                    .filter(([, r]) => r.width < min || r.height < min)
                    .map(([name, r]) => name + " " + Math.round(r.width) + "x" + Math.round(r.height))""",
                MIN_TARGET,
            )
            self.problems += [f"{name}: small target {target}" for target in small]

    def sign_in(self, user) -> None:
        self.open("/accounts/login/")
        self.check("sign-in")
        self.page.locator("#id_username").fill(user.username)
        self.page.locator("#id_password").fill(PASSWORD)
        self.page.locator("main form button[type=submit]").click()
        expect(self.page.get_by_test_id("current-user")).to_be_attached()

    def close(self) -> None:
        self.context.close()
        self.problems += [f"Content-Security-Policy violation: {violation}" for violation in self.csp_violations]
        assert self.problems == [], "\n".join(self.problems)


JOURNEYS = [(language, width) for language in LOCALES for width in VIEWPORTS]


@pytest.fixture(params=JOURNEYS, ids=lambda p: f"{p[0]}-{p[1]}")
def journey(request, browser, live_server, artefacts):
    language, width = request.param
    trip = Journey(browser, live_server.url, language, width, artefacts)
    yield trip
    trip.context.close()


def test_requester_files_a_ticket_with_an_attachment_sees_it_listed_and_replies(journey, tmp_path):
    requester = make_requester(language=journey.language)
    page = journey.page
    journey.sign_in(requester)
    journey.open("/tickets/new/")
    journey.check("new-ticket")
    page.locator("#id_subject").fill("Printer on floor 3 jams")
    page.locator("#id_urgency").select_option("high")
    page.locator("#id_description").fill("Every second page jams since this morning.")
    log = tmp_path / "printer.txt"
    log.write_text("error 0x51 at 09:12\n")
    page.locator("#id_attachment").set_input_files(str(log))
    page.locator("main form input[type=submit], main form button[type=submit]").first.click()
    expect(page.get_by_role("status")).to_be_visible()
    ticket = Ticket.objects.get(requester=requester)
    expect(page.get_by_test_id("reference")).to_have_text(ticket.reference)
    assert Attachment.objects.filter(ticket=ticket, original_name="printer.txt").exists()
    journey.check("ticket-filed")

    journey.open("/tickets/")
    expect(page.get_by_test_id("my-tickets")).to_contain_text(ticket.reference)
    journey.check("my-tickets")

    journey.open(ticket.get_absolute_url())
    page.locator("#form-comment textarea").fill("It jams on A3 paper too.")
    page.locator("#form-comment-submit").click()
    expect(page.get_by_test_id("comment").last).to_contain_text("It jams on A3 paper too.")
    assert Comment.objects.filter(ticket=ticket, author=requester, is_internal=False).count() == 1
    journey.check("replied")
    journey.close()


def test_agent_takes_a_ticket_adds_an_internal_note_and_escalates_with_a_reason(journey):
    agent = make_agent(1, language=journey.language)
    make_agent(2)
    ticket = TicketFactory(level=1, subject="VPN drops every hour")
    page = journey.page
    journey.sign_in(agent)
    journey.open("/queue/")
    expect(page.get_by_test_id("queue-table")).to_contain_text(ticket.reference)
    journey.check("queue")
    page.get_by_role("link", name=ticket.reference).click()
    page.locator("#take-form button").click()
    expect(page.get_by_test_id("assignee")).to_have_text(str(agent))
    journey.check("taken")

    page.locator("#form-comment textarea").fill("Client logs show DPD timeouts.")
    page.locator("#id_comment_internal").check()
    page.locator("#form-comment-submit").click()
    expect(page.get_by_test_id("internal-note")).to_contain_text("DPD timeouts")
    journey.check("internal-note")

    page.locator("#form-escalate textarea").fill("Needs the firewall team.")
    page.locator("#form-escalate-submit").click()
    expect(page.get_by_test_id("level")).to_have_text("Level II")
    ticket.refresh_from_db()
    assert ticket.level == 2
    assert TicketEvent.objects.filter(ticket=ticket, kind="escalated", reason="Needs the firewall team.").exists()
    assert Comment.objects.get(ticket=ticket).is_internal
    journey.check("escalated")
    journey.close()


def test_supervisor_opens_the_dashboard(journey):
    TicketFactory(level=1)
    TicketFactory(level=3)
    page = journey.page
    journey.sign_in(make_supervisor(language=journey.language))
    journey.open("/dashboard/")
    expect(page.get_by_test_id("total-open")).to_have_text("2")
    journey.check("dashboard")
    journey.open("/reports/")
    expect(page.get_by_test_id("live-open")).to_have_text("2")
    journey.check("reports")
    journey.close()
