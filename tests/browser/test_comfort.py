"""What makes the agent's day easier: shortcuts, a queue that keeps itself current, and a
reply that is not lost by leaving the page."""

import pytest
from playwright.sync_api import expect

from tests.factories import TicketFactory, make_agent
from tickets.choices import Status

from .pages import describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_shortcuts_move_through_the_queue_and_act_on_a_ticket(helpdesk, artefacts):
    agent = make_agent(1)
    first = TicketFactory(level=1, subject="Laptop will not boot")
    TicketFactory(level=1, subject="Printer offline")
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open("/queue/?sort=created")
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(page.get_by_test_id("shortcuts")).to_contain_text("Take the ticket")
    violations = helpdesk.axe_violations()
    page.screenshot(path=str(artefacts / "shortcuts-help.png"))
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    # Escape straight after "?", while the help is still fading in, closes it once it is in.
    closed = page.evaluate(
        """() => new Promise((resolve) => {
            const help = document.getElementById("shortcuts-help");
            help.addEventListener("hidden.bs.modal", () => resolve(true), {once: true});
            setTimeout(() => resolve(false), 5000);
            for (const key of ["?", "Escape"]) {
                document.body.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true}));
            }
        })"""
    )
    assert closed, "the help stayed open after Escape"
    expect(help_dialog).to_be_hidden()
    expect(page.locator(".modal-backdrop")).to_have_count(0)

    page.keyboard.press("j")
    expect(page.get_by_role("link", name=first.reference)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Laptop will not boot")).to_be_visible()

    page.keyboard.press("t")
    expect(page.get_by_test_id("assignee")).to_have_text(str(agent))
    page.keyboard.press("r")
    expect(page.locator("#form-comment textarea")).to_be_focused()
    page.keyboard.type("Checking the RAM now.")
    page.keyboard.press("Escape")
    page.keyboard.press("e")
    expect(page.locator("#form-escalate textarea")).to_be_focused()
    assert violations == [], describe(violations)


def test_leaving_a_page_with_an_unsent_reply_asks_first(helpdesk):
    agent = make_agent(1)
    ticket = TicketFactory(level=1)
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open(ticket.get_absolute_url())
    page.locator("#form-comment textarea").fill("Half a reply")
    asked = []

    def on_dialog(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", on_dialog)
    page.get_by_role("link", name="Queues").click(no_wait_after=True)
    expect(page.locator("#form-comment textarea")).to_have_value("Half a reply")
    assert asked == ["beforeunload"]
    page.remove_listener("dialog", on_dialog)

    page.locator("#form-comment textarea").fill("")
    page.get_by_role("link", name="Queues").click()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()


def test_the_queue_shows_new_tickets_without_a_reload(helpdesk, settings):
    settings.HELPDESK_QUEUE_REFRESH_SECONDS = 1
    agent = make_agent(1)
    TicketFactory(level=1, subject="Printer offline")
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open("/queue/")
    expect(page.get_by_test_id("queue-table")).to_contain_text("Printer offline")
    page.evaluate("() => { window.notReloaded = true; }")
    TicketFactory(level=1, subject="VPN down for the whole office")
    TicketFactory(level=1, subject="Closed already", status=Status.CLOSED)
    expect(page.get_by_test_id("queue-table")).to_contain_text("VPN down for the whole office", timeout=10_000)
    assert page.evaluate("() => window.notReloaded === true")
    expect(page.get_by_test_id("queue-table")).not_to_contain_text("Closed already")


FOCUS_VISIBLE = """() => {
    const el = document.activeElement, style = getComputedStyle(el);
    return (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none";
}"""


def test_a_ticket_can_be_filed_with_the_keyboard_alone_and_focus_is_always_visible(helpdesk):
    from tests.factories import make_requester
    from tickets.models import Ticket

    requester = make_requester()
    page = helpdesk.page
    helpdesk.sign_in(requester)
    helpdesk.open("/tickets/new/")

    def tab_to(element_id: str, limit: int = 40) -> None:
        for _press in range(limit):
            page.keyboard.press("Tab")
            assert page.evaluate(FOCUS_VISIBLE), page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
            if page.evaluate("() => document.activeElement.id") == element_id:
                return
        raise AssertionError(f"Tab never reached #{element_id}")

    tab_to("id_subject")
    page.keyboard.type("Monitor flickers")
    tab_to("id_urgency")
    page.keyboard.press("ArrowDown")  # medium -> high
    tab_to("id_description")
    page.keyboard.type("The left monitor flickers every few seconds.")
    tab_to("submit-id-submit")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("reference")).to_be_visible()
    ticket = Ticket.objects.get(requester=requester)
    assert (ticket.subject, ticket.urgency) == ("Monitor flickers", "high")
