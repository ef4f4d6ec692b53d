import pytest
from playwright.sync_api import expect

from tests.factories import TicketFactory, make_agent
from tickets import services
from tickets.choices import Impact, Status, Urgency

from .pages import describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_new_ticket_ticket_queue_and_list_pages_have_no_wcag_2_aa_violations_and_unique_ids(helpdesk):
    agent = make_agent(1)
    ticket = TicketFactory(level=1, subject="Laptop will not boot")
    services.comment_add(ticket_id=ticket.pk, author=ticket.requester, body="It beeps three times.")
    services.comment_add(ticket_id=ticket.pk, author=agent, body="Probably the RAM.", internal=True)
    for impact, urgency in [
        (Impact.HIGH, Urgency.HIGH),
        (Impact.HIGH, Urgency.MEDIUM),
        (Impact.MEDIUM, Urgency.MEDIUM),
    ]:
        TicketFactory(level=1, impact=impact, urgency=urgency, status=Status.PENDING)
    page = helpdesk.page
    violations = {}

    def audit(name: str) -> None:
        violations[name] = helpdesk.axe_violations()
        duplicates = helpdesk.duplicate_ids()
        if duplicates:
            violations[name].append({"id": "duplicate-id", "targets": [f"#{id_}" for id_ in duplicates]})

    helpdesk.open("/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in to the helpdesk")).to_be_visible()
    audit("login")

    helpdesk.sign_in(agent)
    helpdesk.open("/tickets/new/")
    expect(page.get_by_role("heading", name="Ask for help")).to_be_visible()
    audit("new ticket")

    helpdesk.open(ticket.get_absolute_url())
    expect(page.get_by_role("heading", name="Laptop will not boot")).to_be_visible()
    audit("ticket")

    helpdesk.open("/queue/")
    expect(page.get_by_test_id("queue-table")).to_be_visible()
    audit("queue")

    helpdesk.open("/tickets/all/")
    expect(page.get_by_test_id("list-table")).to_be_visible()
    audit("all tickets")

    found = {name: found for name, found in violations.items() if found}
    assert found == {}, describe(found)
