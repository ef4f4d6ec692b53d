"""Pages: a supervisor page or a P1 breach goes by SMS asking for ACK, is sent again
until someone answers it, and the answer is on the ticket for staff only."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from escalation.models import EscalationRule, Page
from escalation.services import PageError, page_acknowledge, pages_repeat
from escalation.services.notices import sla_notice_queue, supervisor_page_queue
from notifications.choices import NotificationChannel, NotificationKind
from notifications.models import Notification
from sla.models import SlaEvent
from tests.factories import make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import EventKind, Impact, Status, Urgency
from tickets.selectors import ticket_events_visible
from tickets.templatetags.helpdesk import event_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "agent": make_agent(1, phone="+6281200000001", language="en"),
        "supervisor": make_supervisor(phone="+6281200000002", language="id"),
        "no_phone": make_agent(1),
        "requester": make_requester(phone="+6281200000003"),
    }


def p1(requester, **kwargs):
    return services.ticket_create(
        requester=requester,
        subject="Core switch down",
        description="All floors offline",
        impact=kwargs.get("impact", Impact.HIGH),
        urgency=kwargs.get("urgency", Urgency.HIGH),
    )


def breach(ticket):
    event = SlaEvent.objects.create(
        ticket=ticket, metric="resolution", threshold="breached", due_at=timezone.now(), level=ticket.level
    )
    return sla_notice_queue(event=SlaEvent.objects.select_related("ticket__assignee").get(pk=event.pk))


def sms(ticket):
    return list(
        Notification.objects.filter(ticket=ticket, channel=NotificationChannel.SMS)
        .order_by("id")
        .select_related("recipient")
    )


def test_a_p1_breach_is_a_page_to_those_who_got_it_by_sms_asking_for_ack(people):
    ticket = p1(people["requester"])
    breach(ticket)
    page = Page.objects.get(ticket=ticket)
    assert page.kind == NotificationKind.SLA_BREACH
    # The level's agents and its supervisors hear of the breach; only those texted are paged.
    assert set(page.paged.all()) == {people["agent"], people["supervisor"]}
    texts = {row.recipient.username: row.body_text for row in sms(ticket)}
    assert f"Reply ACK {ticket.reference} to acknowledge." in texts[people["agent"].username]
    assert f"Balas ACK {ticket.reference} untuk mengonfirmasi." in texts[people["supervisor"].username]
    assert page.next_repeat_at is not None and page.acknowledged_at is None


def test_a_lower_priority_breach_is_not_a_page(people):
    ticket = p1(people["requester"], impact=Impact.LOW, urgency=Urgency.LOW)
    breach(ticket)
    assert not Page.objects.exists()
    assert all("ACK" not in row.body_text for row in sms(ticket))


def test_a_supervisor_page_of_any_priority_is_a_page(people):
    ticket = p1(people["requester"], impact=Impact.LOW, urgency=Urgency.LOW)
    rule = EscalationRule.objects.create(name="Page them", level=1, trigger="not_taken", minutes=5, escalate=False)
    supervisor_page_queue(ticket=ticket, rule=rule)
    page = Page.objects.get(ticket=ticket)
    assert (page.kind, page.rule, list(page.paged.all())) == (
        NotificationKind.SUPERVISOR_PAGE,
        rule,
        [people["supervisor"]],
    )


def test_nobody_to_text_keeps_no_page(people):
    people["supervisor"].phone = ""
    people["supervisor"].save()
    people["agent"].phone = ""
    people["agent"].save()
    ticket = p1(people["requester"])
    breach(ticket)
    assert not Page.objects.exists()
    assert Notification.objects.filter(ticket=ticket, kind=NotificationKind.SLA_BREACH).exists()  # mail still goes


def test_a_page_is_sent_again_by_sms_only_until_the_limit(people, settings):
    settings.HELPDESK_PAGE_REPEAT_MINUTES = 5
    settings.HELPDESK_PAGE_REPEAT_LIMIT = 2
    ticket = p1(people["requester"])
    start = timezone.now()
    breach(ticket)
    first = len(sms(ticket))
    emails = Notification.objects.filter(ticket=ticket, channel=NotificationChannel.EMAIL).count()
    assert pages_repeat(now=start + timedelta(minutes=4)) == 0
    assert pages_repeat(now=start + timedelta(minutes=5, seconds=1)) == 1
    # A second sweep at the same moment finds it claimed.
    assert pages_repeat(now=start + timedelta(minutes=5, seconds=1)) == 0
    repeats = sms(ticket)[first:]
    assert {row.recipient for row in repeats} == {people["agent"], people["supervisor"]}
    assert all(row.body_text.startswith(("Repeat 1:", "Ulangan 1:")) for row in repeats)
    assert any(f"Reply ACK {ticket.reference}" in row.body_text for row in repeats)
    assert Notification.objects.filter(ticket=ticket, channel=NotificationChannel.EMAIL).count() == emails
    assert pages_repeat(now=start + timedelta(minutes=11)) == 1
    assert pages_repeat(now=start + timedelta(hours=2)) == 0
    page = Page.objects.get(ticket=ticket)
    assert (page.repeats_sent, page.next_repeat_at) == (2, None)
    assert len(sms(ticket)) == first + 4


def test_a_finished_ticket_stops_its_pages(people):
    ticket = p1(people["requester"])
    start = timezone.now()
    breach(ticket)
    services.ticket_take(ticket_id=ticket.pk, by=people["agent"])
    services.ticket_resolve(ticket_id=ticket.pk, by=people["agent"], resolution="Switch replaced")
    assert pages_repeat(now=start + timedelta(hours=1)) == 0
    assert Page.objects.get(ticket=ticket).next_repeat_at is None


def test_ack_stops_the_repeats_and_shows_on_the_ticket_for_staff_only(people):
    ticket = p1(people["requester"])
    other = p1(people["requester"])
    start = timezone.now()
    breach(ticket)
    breach(other)
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        assert page_acknowledge(by=people["agent"], ticket=ticket) == ticket
    page = Page.objects.get(ticket=ticket)
    assert (page.acknowledged_by, page.next_repeat_at) == (people["agent"], None)
    # The other ticket's page goes on.
    assert pages_repeat(now=start + timedelta(minutes=6)) == 1
    assert Page.objects.get(ticket=other).repeats_sent == 1
    [event] = ticket_events_visible(user=people["agent"], ticket=ticket).filter(kind=EventKind.PAGE_ACKNOWLEDGED)
    with translation.override("en"):
        assert event_text(event, ticket) == "acknowledged the page by SMS"
    with translation.override("id"):
        assert event_text(event, ticket) == "mengonfirmasi panggilan darurat lewat SMS"
    assert (
        not ticket_events_visible(user=people["requester"], ticket=ticket)
        .filter(kind=EventKind.PAGE_ACKNOWLEDGED)
        .exists()
    )
    with pytest.raises(PageError, match="No page about"):
        page_acknowledge(by=people["agent"], ticket=ticket)


def test_ack_alone_answers_the_latest_page_one_got(people):
    older = p1(people["requester"])
    newer = p1(people["requester"])
    start = timezone.now()
    breach(older)
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        breach(newer)
    assert page_acknowledge(by=people["supervisor"]) == newer
    assert page_acknowledge(by=people["supervisor"]) == older
    with pytest.raises(PageError, match="No page is waiting for you"):
        page_acknowledge(by=people["supervisor"])


def test_who_may_acknowledge(people):
    ticket = p1(people["requester"])
    breach(ticket)
    with pytest.raises(PageError, match="Only support staff"):
        page_acknowledge(by=people["requester"], ticket=ticket)
    # Not paged (no phone), but works the ticket's level: may answer for the team.
    assert page_acknowledge(by=people["no_phone"], ticket=ticket) == ticket
    escalated = p1(people["requester"])
    services.ticket_escalate(ticket_id=escalated.pk, by=people["agent"], reason="Core network")
    escalated.refresh_from_db()
    breach(escalated)
    # A Level I agent neither paged about a Level II ticket nor working it may not.
    assert people["no_phone"] not in Page.objects.get(ticket=escalated).paged.all()
    with pytest.raises(PageError, match="No page about"):
        page_acknowledge(by=people["no_phone"], ticket=escalated)
    assert Page.objects.get(ticket=escalated).acknowledged_at is None
    assert Status(escalated.status) in (Status.NEW, Status.OPEN)
