"""The follow-up sweep run from two processes at once on PostgreSQL: every resolved ticket
whose time has come is told once and closed once, every snoozed ticket woken once and
every reminder sent once, however the two interleave (conditional UPDATEs, not luck)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.choices import NotificationKind
from notifications.models import Notification
from tests.factories import TicketFactory, make_agent
from tests.integration.test_routing import PREAMBLE, _finished, _process
from tickets.choices import EventKind, Status
from tickets.models import Ticket, TicketEvent, TicketReminder

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SWEEP = (
    PREAMBLE
    + """
from tickets.services import reminders_send, tickets_auto_close, tickets_snooze_wake
woken = tickets_snooze_wake()
sent = reminders_send()
told, closed = tickets_auto_close()
print(len(woken), len(sent), len(told), len(closed))
"""
)
TICKETS = 40


def test_two_sweeps_at_once_handle_each_ticket_once(reference_data):
    agent = make_agent(1)
    past = timezone.now() - timedelta(minutes=1)
    closing = [TicketFactory(level=1, assignee=agent, status=Status.RESOLVED) for _ in range(TICKETS)]
    Ticket.objects.filter(pk__in=[t.pk for t in closing]).update(auto_close_at=past)
    telling = [TicketFactory(level=1, assignee=agent, status=Status.RESOLVED) for _ in range(TICKETS)]
    Ticket.objects.filter(pk__in=[t.pk for t in telling]).update(
        auto_close_notice_at=past, auto_close_at=timezone.now() + timedelta(days=1)
    )
    snoozed = [TicketFactory(level=1, assignee=agent, status=Status.OPEN) for _ in range(TICKETS)]
    Ticket.objects.filter(pk__in=[t.pk for t in snoozed]).update(snoozed_until=past)
    TicketReminder.objects.bulk_create(
        TicketReminder(ticket=ticket, agent=agent, remind_at=past, note="Call back") for ticket in snoozed
    )

    go = time.time() + 2
    outputs = _finished([_process(SWEEP, go), _process(SWEEP, go)])
    totals = [sum(int(n) for n in column) for column in zip(*(line.split() for line in outputs), strict=True)]
    assert totals == [TICKETS, TICKETS, TICKETS, TICKETS]

    assert Ticket.objects.filter(pk__in=[t.pk for t in closing], status=Status.CLOSED).count() == TICKETS
    assert TicketEvent.objects.filter(kind=EventKind.CLOSED, actor=None).count() == TICKETS
    assert TicketEvent.objects.filter(kind=EventKind.AUTO_CLOSE_NOTICE).count() == TICKETS
    assert TicketEvent.objects.filter(kind=EventKind.SNOOZE_ENDED).count() == TICKETS
    assert TicketEvent.objects.filter(kind=EventKind.REMINDER_SENT).count() == TICKETS
    for kind in (NotificationKind.AUTO_CLOSED, NotificationKind.AUTO_CLOSE_NOTICE):
        assert Notification.objects.filter(kind=kind, channel="email").count() == TICKETS
    assert Notification.objects.filter(kind=NotificationKind.REMINDER, channel="email").count() == TICKETS
    assert not Ticket.objects.filter(snoozed_until__isnull=False).exists()
