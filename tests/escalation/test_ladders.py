from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from escalation.choices import RuleTrigger
from escalation.models import EscalationRule, EscalationRuleFiring
from escalation.services import ladders_apply_not_taken, ladders_backfill, sla_notifications_queue, sla_sweep
from notifications.choices import NotificationKind
from notifications.models import Notification
from sla.models import SlaEvent
from tests.factories import make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import EventKind, Impact, Urgency
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY_10 = datetime(2026, 3, 10, 10, 0, tzinfo=WIB)
NOT_TAKEN_RULE = "P1 not taken within 10 minutes at Level I goes to Level II"


def file(at, *, impact=Impact.HIGH, urgency=Urgency.HIGH, category=None):
    with time_machine.travel(at, tick=False):
        return services.ticket_create(
            requester=make_requester(),
            subject="Core switch down",
            description="All floors offline",
            impact=impact,
            urgency=urgency,
            category=category,
        )


def apply_not_taken(at):
    with time_machine.travel(at, tick=False):
        return ladders_apply_not_taken()


def test_a_p1_not_taken_within_ten_minutes_goes_to_level_two_through_the_normal_path(
    django_capture_on_commit_callbacks,
):
    level2 = make_agent(2)
    ticket = file(TUESDAY_10)
    assert apply_not_taken(TUESDAY_10 + timedelta(minutes=9)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert apply_not_taken(TUESDAY_10 + timedelta(minutes=10, seconds=1)) == 1
    ticket.refresh_from_db()
    assert ticket.level == 2
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ESCALATED)
    assert event.actor is None
    assert event.reason == f"Automatic escalation: {NOT_TAKEN_RULE}"
    assert [m.to for m in mail.outbox if "Escalated" in m.subject] == [[level2.email]]
    assert "An escalation rule escalated" in mail.outbox[-1].body
    # Fired once: later sweeps leave it alone, even back at Level I.
    assert apply_not_taken(TUESDAY_10 + timedelta(hours=1)) == 0
    assert EscalationRuleFiring.objects.filter(ticket=ticket).count() == 1


def test_a_taken_or_lower_priority_ticket_is_not_escalated_by_the_p1_rule():
    agent = make_agent(1)
    taken = file(TUESDAY_10)
    services.ticket_take(ticket_id=taken.pk, by=agent)
    p2 = file(TUESDAY_10, urgency=Urgency.MEDIUM)
    assert apply_not_taken(TUESDAY_10 + timedelta(hours=1)) == 0
    assert set(Ticket.objects.filter(pk__in=[taken.pk, p2.pk]).values_list("level", flat=True)) == {1}


def test_time_at_the_level_counts_from_arrival_not_from_filing():
    level1 = make_agent(1)
    ticket = file(TUESDAY_10)
    with time_machine.travel(TUESDAY_10 + timedelta(minutes=30), tick=False):
        services.ticket_escalate(ticket_id=ticket.pk, by=level1, reason="wrong level")
        services.ticket_deescalate(ticket_id=ticket.pk, by=make_supervisor(), reason="back")
    assert apply_not_taken(TUESDAY_10 + timedelta(minutes=35)) == 0
    assert apply_not_taken(TUESDAY_10 + timedelta(minutes=41)) == 1


def test_a_resolution_breach_at_level_two_goes_to_level_three_and_pages_the_supervisor(sms_outbox):
    supervisor = make_supervisor(phone="+6281200000009")
    level3 = make_agent(3)
    agent2 = make_agent(2)
    ticket = file(TUESDAY_10, impact=Impact.LOW, urgency=Urgency.HIGH)  # P3, office hours
    with time_machine.travel(TUESDAY_10 + timedelta(minutes=1), tick=False):
        services.ticket_escalate(ticket_id=ticket.pk, by=make_agent(1), reason="server side")
        services.ticket_take(ticket_id=ticket.pk, by=agent2)
        services.comment_add(ticket_id=ticket.pk, author=agent2, body="On it")
    ticket.refresh_from_db()
    with time_machine.travel(ticket.resolution_due_at + timedelta(seconds=1), tick=False):
        sla_sweep()
        breach_ids = list(SlaEvent.objects.filter(ticket=ticket).values_list("pk", flat=True))
        sla_notifications_queue(event_ids=breach_ids)
        sla_notifications_queue(event_ids=breach_ids)  # a repeated task changes nothing
    ticket.refresh_from_db()
    assert ticket.level == 3
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATED, actor=None).count() == 1
    pages = Notification.objects.filter(ticket=ticket, kind=NotificationKind.SUPERVISOR_PAGE)
    assert sorted(pages.values_list("channel", "address")) == [("email", supervisor.email), ("sms", supervisor.phone)]
    assert Notification.objects.filter(ticket=ticket, kind=NotificationKind.ESCALATED, address=level3.email).exists()


def test_an_inactive_rule_does_nothing():
    EscalationRule.objects.update(is_active=False)
    file(TUESDAY_10)
    assert apply_not_taken(TUESDAY_10 + timedelta(hours=1)) == 0


def test_backfill_marks_history_as_fired_without_acting():
    ticket = file(TUESDAY_10)
    with time_machine.travel(TUESDAY_10 + timedelta(hours=1), tick=False):
        assert ladders_backfill() == 1
        assert ladders_apply_not_taken() == 0
    ticket.refresh_from_db()
    assert ticket.level == 1


def test_a_rule_must_say_what_triggers_it():
    from django.core.exceptions import ValidationError

    rule = EscalationRule(name="x", level=1, trigger=RuleTrigger.NOT_TAKEN)
    with pytest.raises(ValidationError):
        rule.full_clean()
    rule = EscalationRule(name="y", level=3, trigger=RuleTrigger.NOT_TAKEN, minutes=5, escalate=True)
    with pytest.raises(ValidationError, match="last level"):
        rule.full_clean()
