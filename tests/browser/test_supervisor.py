from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.choices import Level
from tests.factories import TicketFactory, make_agent, make_supervisor
from tickets import services
from tickets.choices import OPEN_STATUSES, EventKind, Impact, Priority, Status, Urgency
from tickets.models import Ticket, TicketEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_count(**filters) -> int:
    return Ticket.objects.filter(status__in=OPEN_STATUSES, **filters).count()


def test_supervisor_dashboard_counts_open_tickets_by_level_and_priority_as_in_the_database(helpdesk):
    agent = make_agent(1, 2)
    now = timezone.now()
    oldest = TicketFactory(
        level=1,
        impact=Impact.HIGH,
        urgency=Urgency.HIGH,
        subject="Core switch down",
        created_at=now - timedelta(days=3),
    )
    TicketFactory(level=1)
    TicketFactory(level=1, assignee=agent)
    TicketFactory(level=1, status=Status.CLOSED, subject="Closed long ago", created_at=now - timedelta(days=9))
    TicketFactory(level=1, impact=Impact.HIGH, urgency=Urgency.MEDIUM, status=Status.RESOLVED)
    TicketFactory(level=2, impact=Impact.MEDIUM, urgency=Urgency.HIGH, status=Status.PENDING)
    TicketFactory(level=2, impact=Impact.MEDIUM, urgency=Urgency.MEDIUM, assignee=agent)
    TicketFactory(level=3, impact=Impact.HIGH, urgency=Urgency.HIGH)
    escalated = TicketFactory(level=1, impact=Impact.LOW, urgency=Urgency.HIGH)
    services.ticket_escalate(ticket_id=escalated.pk, by=agent, reason="Needs network access.")
    page = helpdesk.page

    helpdesk.sign_in(make_supervisor())
    helpdesk.nav("Dashboard")

    expect(page.get_by_role("heading", name="Supervisor dashboard")).to_be_visible()
    assert open_count() == 7
    expect(page.get_by_test_id("total-open")).to_have_text(str(open_count()))
    expect(page.get_by_test_id("total-unassigned")).to_have_text(str(open_count(assignee__isnull=True)))
    expect(page.get_by_test_id("escalations-today")).to_have_text("1")
    table = page.get_by_test_id("level-priority")
    expect(table.locator("thead th")).to_have_text(
        ["Level", "P1", "P2", "P3", "P4", "Total", "Unassigned", "Escalated in today"]
    )
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)
    for index, level in enumerate(Level):
        escalated_in = TicketEvent.objects.filter(kind=EventKind.ESCALATED, to_value=str(level.value)).count()
        expected = [str(open_count(level=level, priority=p)) for p in Priority.values]
        expected += [str(open_count(level=level)), str(open_count(level=level, assignee__isnull=True))]
        expected += [str(escalated_in)]
        expect(rows.nth(index).locator("th")).to_have_text(str(level.label))
        expect(rows.nth(index).locator("td")).to_have_text(expected)
    footer = [str(open_count(priority=p)) for p in Priority.values] + [str(open_count()), "", "1"]
    expect(table.locator("tfoot td")).to_have_text(footer)
    expect(page.get_by_test_id("oldest").locator("tbody tr").first).to_contain_text(oldest.reference)
    expect(page.get_by_test_id("oldest")).not_to_contain_text("Closed long ago")

    rows.nth(1).get_by_role("link", name="Level II").click()
    expect(page.get_by_test_id("queue-count")).to_have_text(f"{open_count(level=2)} tickets")
