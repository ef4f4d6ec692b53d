from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import Impact, Urgency
from tickets.models import Ticket

from .pages import describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def p1_ticket(subject: str) -> Ticket:
    return services.ticket_create(
        requester=make_requester(), subject=subject, description="Down", impact=Impact.HIGH, urgency=Urgency.HIGH
    )


def shift_clock(ticket: Ticket, *, due_in: timedelta, warned: bool) -> None:
    """Place the ticket's current due time relative to now, warned or not."""
    now = timezone.now()
    warn_at = now - timedelta(minutes=1) if warned else now + due_in / 2
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_due_at=now + due_in,
        sla_warn_at=warn_at,
        first_response_due_at=now + due_in,
        first_response_warn1_at=warn_at,
    )


def test_the_queue_shows_time_left_in_green_amber_and_red(helpdesk):
    calm, warned, late = p1_ticket("Calm"), p1_ticket("Warned"), p1_ticket("Late")
    shift_clock(calm, due_in=timedelta(hours=3), warned=False)
    shift_clock(warned, due_in=timedelta(minutes=20), warned=True)
    shift_clock(late, due_in=timedelta(minutes=-90), warned=True)
    helpdesk.sign_in(make_agent(1))
    page = helpdesk.open("/queue/?level=1&sort=due")
    rows = page.get_by_test_id("queue-table").locator("tbody tr")
    expect(rows.nth(0)).to_contain_text("Late")
    expect(rows.nth(0).locator(".sla-badge")).to_have_class("badge sla-badge text-bg-danger")
    expect(rows.nth(0).locator(".sla-badge")).to_contain_text("Overdue 1 h 30 min")
    expect(rows.nth(1).locator(".sla-badge")).to_have_class("badge sla-badge text-bg-warning")
    expect(rows.nth(2).locator(".sla-badge")).to_have_class("badge sla-badge text-bg-success")
    expect(rows.nth(2).locator(".sla-badge")).to_contain_text("left")


def test_the_dashboard_sla_panel_lists_breached_tickets_and_passes_axe(helpdesk):
    late = p1_ticket("Core router down")
    shift_clock(late, due_in=timedelta(minutes=-5), warned=True)
    helpdesk.sign_in(make_supervisor())
    page = helpdesk.open("/dashboard/")
    panel = page.get_by_test_id("sla-urgent")
    expect(panel).to_contain_text(late.reference)
    expect(panel).to_contain_text("Overdue")
    violations = helpdesk.axe_violations()
    assert violations == [], describe(violations)
