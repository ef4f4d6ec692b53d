import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import TicketFactory, make_agent
from tickets.choices import EventKind, Impact, Urgency
from tickets.models import Ticket, TicketEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def critical_ticket(**kwargs) -> Ticket:
    return TicketFactory(impact=Impact.HIGH, urgency=Urgency.HIGH, **kwargs)


def test_level_one_agent_sorts_filters_takes_and_escalates_a_p1_ticket_and_level_two_is_paged(helpdesk, sms_outbox):
    agent = make_agent(1, username="agus", first_name="Agus")
    level_two = make_agent(2, username="budi", first_name="Budi", phone="+6281200000002")
    now = timezone.now()
    outage = critical_ticket(subject="Mail server not answering", level=1, created_at=now - timedelta(hours=1))
    TicketFactory(subject="Paper jam on floor 2", level=1, created_at=now - timedelta(hours=3))
    TicketFactory(subject="Disk almost full on db02", level=2)
    reason = "Restarted the mail service twice; SMTP still refuses connections. Needs server access."
    page = helpdesk.page

    helpdesk.sign_in(agent)
    helpdesk.open("/queue/")
    rows = page.get_by_test_id("queue-table").locator("tbody tr")
    expect(page.get_by_test_id("queue-count")).to_have_text("2 tickets")
    expect(rows.nth(0)).to_contain_text("Mail server not answering")
    expect(rows.nth(1)).to_contain_text("Paper jam on floor 2")
    expect(page.get_by_test_id("queue-table")).not_to_contain_text("Disk almost full on db02")

    page.get_by_role("link", name="Created").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=created(&|$)"))
    expect(rows.nth(0)).to_contain_text("Paper jam on floor 2")
    expect(rows.nth(1)).to_contain_text("Mail server not answering")

    page.get_by_label("Priority", exact=True).select_option(label="P1 — critical")
    expect(page).to_have_url(re.compile(r"[?&]priority=1(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]sort=created(&|$)"))
    expect(page.get_by_test_id("queue-count")).to_have_text("1 ticket")
    expect(rows).to_have_count(1)
    expect(page.get_by_test_id("queue-table")).not_to_contain_text("Paper jam on floor 2")

    page.get_by_role("link", name=outage.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mail server not answering")
    page.get_by_role("button", name="Take it").click()
    expect(helpdesk.success(f"You now own {outage.reference}.")).to_be_visible()
    expect(page.get_by_test_id("assignee")).to_have_text("Agus")
    expect(page.get_by_role("button", name="Take it")).to_have_count(0)

    page.get_by_label("Reason for escalation").fill(reason)
    page.get_by_role("button", name="Escalate", exact=True).click()

    expect(helpdesk.success("Escalated. The next level's agents have been notified.")).to_be_visible()
    expect(page.get_by_test_id("level")).to_have_text("Level II")
    escalation = page.get_by_test_id("event-escalated")
    expect(escalation).to_contain_text("escalated the ticket from Level I to Level II")
    expect(escalation).to_contain_text(reason)
    expect(page.get_by_test_id("assignee")).to_have_text("Unassigned")
    expect(page.get_by_role("note")).to_contain_text("above your support level")
    expect(page.get_by_role("button", name="Escalate", exact=True)).to_have_count(0)

    outage.refresh_from_db()
    assert (outage.level, outage.assignee) == (2, None)
    assert [m.to for m in mail.outbox] == [[level_two.email]]
    assert f"[{outage.reference}] Escalated to Level II (P1)" in mail.outbox[0].subject
    assert [m.to for m in sms_outbox] == ["+6281200000002"]
    assert outage.reference in sms_outbox[0].body


def test_escalating_without_a_reason_is_refused_in_the_browser_and_by_the_server(helpdesk, sms_outbox):
    agent = make_agent(1)
    make_agent(2, phone="+6281200000002")
    ticket = critical_ticket(level=1)
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open(ticket.get_absolute_url())
    reason = page.get_by_label("Reason for escalation")
    escalate = page.get_by_role("button", name="Escalate", exact=True)

    escalate.click()
    assert reason.evaluate("el => el.validity.valueMissing")
    expect(page).to_have_url(helpdesk.url(ticket.get_absolute_url()))

    reason.evaluate("el => el.removeAttribute('required')")
    reason.fill("   ")
    escalate.click()

    expect(page).to_have_url(helpdesk.url(f"{ticket.get_absolute_url()}escalate/"))
    expect(helpdesk.error("Please correct the errors below.")).to_be_visible()
    expect(page.locator("#form-escalate").get_by_text("This field is required.")).to_be_visible()
    expect(reason).to_have_accessible_description(re.compile("This field is required."))
    expect(page.get_by_test_id("level")).to_have_text("Level I")
    expect(page.get_by_test_id("event-escalated")).to_have_count(0)
    ticket.refresh_from_db()
    assert ticket.level == 1
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATED).exists()
    assert mail.outbox == []
    assert sms_outbox == []


def test_level_one_agent_can_read_a_level_three_ticket_but_not_change_it(helpdesk):
    agent = make_agent(1)
    ticket = critical_ticket(level=3, subject="ERP database corrupted")
    page = helpdesk.page
    helpdesk.sign_in(agent)

    helpdesk.open(ticket.get_absolute_url())

    expect(page.get_by_role("heading", level=1)).to_have_text("ERP database corrupted")
    expect(page.get_by_test_id("level")).to_have_text("Level III")
    expect(page.get_by_role("note")).to_have_text(
        "This ticket is above your support level. You can read it but not change it."
    )
    for form_id in ("form-escalate", "form-resolve", "form-deescalate", "form-assign", "form-status", "form-comment"):
        expect(page.locator(f"#{form_id}")).to_have_count(0)
    expect(page.get_by_role("button", name="Take it")).to_have_count(0)
    expect(page.get_by_role("button", name="Resolve")).to_have_count(0)
