"""Snoozing tickets, reminders, and resolved tickets that close themselves."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test.utils import override_settings

from notifications.choices import NotificationKind
from notifications.models import Notification
from sla.models import Holiday, SlaPolicy
from tests.factories import TicketFactory, make_agent, make_requester
from tickets import services
from tickets.choices import EventKind, SnoozeChoice, Status
from tickets.exceptions import NotAllowedError, TicketError, TransitionError
from tickets.models import Ticket, TicketEvent, TicketReminder

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
# A Tuesday in office hours with no Indonesian holiday near it.
TUESDAY_10 = datetime(2026, 3, 10, 10, 0, tzinfo=WIB)


def queue_html(client, **params):
    response = client.get("/queue/", {"level": 1, **params})
    assert response.status_code == 200
    return response.content.decode()


def notified(kind):
    return sorted(Notification.objects.filter(kind=kind, channel="email").values_list("recipient__username", flat=True))


@pytest.mark.parametrize("bad", [datetime(2026, 3, 10, 9, 0, tzinfo=WIB), TUESDAY_10, datetime(2026, 3, 10, 11, 0)])
def test_a_snooze_to_a_time_gone_by_or_without_a_time_zone_is_refused(bad):
    agent = make_agent(1)
    ticket = TicketFactory(level=1, assignee=agent, status=Status.OPEN)
    with time_machine.travel(TUESDAY_10, tick=False), pytest.raises(TicketError) as refused:
        services.ticket_snooze(ticket_id=ticket.pk, by=agent, until=bad)
    assert "time" in refused.value.message
    assert Ticket.objects.get(pk=ticket.pk).snoozed_until is None
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SNOOZED).exists()


def test_a_snooze_more_than_a_year_ahead_is_refused():
    agent = make_agent(1)
    ticket = TicketFactory(level=1, status=Status.OPEN)
    with time_machine.travel(TUESDAY_10, tick=False), pytest.raises(TicketError, match="within a year"):
        services.ticket_snooze(ticket_id=ticket.pk, by=agent, until=TUESDAY_10 + timedelta(days=400))


def test_a_closed_ticket_or_a_requester_cannot_snooze():
    agent = make_agent(1)
    closed = TicketFactory(level=1, status=Status.CLOSED)
    with pytest.raises(TransitionError):
        services.ticket_snooze(ticket_id=closed.pk, by=agent, until=datetime.now(UTC) + timedelta(hours=1))
    ticket = TicketFactory(level=1, status=Status.OPEN)
    with pytest.raises(NotAllowedError):
        services.ticket_snooze(ticket_id=ticket.pk, by=ticket.requester, until=datetime.now(UTC) + timedelta(hours=1))


def test_a_snoozed_ticket_leaves_the_queue_and_comes_back_by_itself(client):
    agent = make_agent(1)
    other = make_agent(1)
    ticket = TicketFactory(level=1, assignee=agent, status=Status.OPEN, subject="Printer jams on A3")
    client.force_login(agent)
    with time_machine.travel(TUESDAY_10, tick=False):
        services.ticket_snooze(ticket_id=ticket.pk, by=agent, until=TUESDAY_10 + timedelta(hours=1))
        assert "Printer jams on A3" not in queue_html(client)
        assert "Printer jams on A3" not in queue_html(client, view="mine")
        snoozed = queue_html(client, view="snoozed")
        assert "Printer jams on A3" in snoozed and 'data-testid="comes-back"' in snoozed
        assert services.tickets_snooze_wake() == []
    with time_machine.travel(TUESDAY_10 + timedelta(hours=1), tick=False):
        assert services.tickets_snooze_wake() == [ticket.pk]
        assert services.tickets_snooze_wake() == []
        assert "Printer jams on A3" in queue_html(client)
        assert "Printer jams on A3" not in queue_html(client, view="snoozed")
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.SNOOZE_ENDED)
    assert event.actor is None and event.reason == "The snooze ended."
    # The assignee hears of it, not the rest of the level.
    assert notified(NotificationKind.SNOOZE_ENDED) == [agent.username]
    assert other.username not in notified(NotificationKind.SNOOZE_ENDED)


def test_an_unassigned_ticket_back_from_snooze_is_told_to_its_level():
    first, second = make_agent(1), make_agent(1)
    make_agent(2)
    ticket = TicketFactory(level=1, status=Status.NEW)
    services.ticket_snooze(ticket_id=ticket.pk, by=first, until=datetime.now(UTC) + timedelta(minutes=5))
    assert services.tickets_snooze_wake(now=datetime.now(UTC) + timedelta(minutes=6)) == [ticket.pk]
    assert notified(NotificationKind.SNOOZE_ENDED) == sorted([first.username, second.username])


def test_the_wake_is_one_update_whatever_the_number_of_tickets(django_assert_max_num_queries):
    agent = make_agent(1)
    tickets = [TicketFactory(level=1, assignee=agent, status=Status.OPEN) for _ in range(6)]
    until = datetime.now(UTC) + timedelta(minutes=5)
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(snoozed_until=until)
    woken = services.tickets_snooze_wake(now=until)
    assert woken == sorted(t.pk for t in tickets)
    assert TicketEvent.objects.filter(kind=EventKind.SNOOZE_ENDED).count() == 6
    assert not Ticket.objects.filter(snoozed_until__isnull=False).exists()


def test_a_requester_reply_wakes_a_snoozed_ticket_at_once(client):
    agent = make_agent(1)
    ticket = TicketFactory(level=1, assignee=agent, status=Status.OPEN, subject="VPN drops")
    services.ticket_snooze(ticket_id=ticket.pk, by=agent, until=datetime.now(UTC) + timedelta(days=2))
    services.comment_add(ticket_id=ticket.pk, author=ticket.requester, body="Still dropping every hour")
    ticket.refresh_from_db()
    assert ticket.snoozed_until is None
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.SNOOZE_ENDED)
    assert event.actor == ticket.requester and event.reason == "The requester replied."
    client.force_login(agent)
    assert "VPN drops" in queue_html(client)


def test_an_internal_note_does_not_wake_a_snoozed_ticket():
    agent = make_agent(1)
    ticket = TicketFactory(level=1, assignee=agent, status=Status.OPEN)
    services.ticket_snooze(ticket_id=ticket.pk, by=agent, until=datetime.now(UTC) + timedelta(days=2))
    services.comment_add(ticket_id=ticket.pk, author=agent, body="Waiting for the part", internal=True)
    assert Ticket.objects.get(pk=ticket.pk).snoozed_until is not None


def test_waking_by_hand_brings_it_back_and_is_audited():
    agent = make_agent(1)
    ticket = TicketFactory(level=1, status=Status.OPEN)
    services.ticket_snooze(ticket_id=ticket.pk, by=agent, until=datetime.now(UTC) + timedelta(days=2))
    services.ticket_unsnooze(ticket_id=ticket.pk, by=agent)
    assert Ticket.objects.get(pk=ticket.pk).snoozed_until is None
    assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.SNOOZE_ENDED).actor == agent


def test_quick_choices_end_in_the_agent_s_morning_or_the_next_business_morning():
    ticket = TicketFactory(level=1, status=Status.OPEN)  # P4: office hours (WIB)
    friday_15 = datetime(2026, 3, 13, 15, 0, tzinfo=WIB)

    def until(choice, zone="Asia/Jakarta"):
        return services.snooze_choice_time(choice=choice, ticket=ticket, time_zone=zone, now=friday_15)

    assert until(SnoozeChoice.HOUR) == friday_15 + timedelta(hours=1)
    assert until(SnoozeChoice.TOMORROW) == datetime(2026, 3, 14, 8, 0, tzinfo=WIB)
    assert until(SnoozeChoice.TOMORROW, "Asia/Jayapura") == datetime(
        2026, 3, 14, 8, 0, tzinfo=ZoneInfo("Asia/Jayapura")
    )
    assert until(SnoozeChoice.NEXT_WEEK) == datetime(2026, 3, 16, 8, 0, tzinfo=WIB)
    assert until(SnoozeChoice.NEXT_BUSINESS_MORNING) == datetime(2026, 3, 16, 8, 0, tzinfo=WIB)
    with pytest.raises(TicketError):
        until("whenever")


def test_a_reminder_reaches_its_agent_once_at_its_time():
    agent, colleague = make_agent(1), make_agent(1)
    ticket = TicketFactory(level=1, assignee=colleague, status=Status.OPEN)
    with time_machine.travel(TUESDAY_10, tick=False):
        reminder = services.reminder_set(
            ticket_id=ticket.pk, by=agent, remind_at=TUESDAY_10 + timedelta(hours=2), note="Call the telco <back> & 📞"
        )
        assert services.reminders_send() == []
    with time_machine.travel(TUESDAY_10 + timedelta(hours=2), tick=False):
        assert services.reminders_send() == [reminder.pk]
        assert services.reminders_send() == []
    row = Notification.objects.get(kind=NotificationKind.REMINDER, channel="email")
    assert row.recipient == agent
    assert "Call the telco <back> & 📞" in row.body_text and ticket.reference in row.body_text
    assert f"/tickets/{ticket.reference}/" in row.body_text
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.REMINDER_SENT).count() == 1
    with pytest.raises(TransitionError):
        services.reminder_cancel(reminder_id=reminder.pk, by=agent)


def test_a_cancelled_reminder_never_goes_and_only_its_agent_may_cancel_it():
    agent, other = make_agent(1), make_agent(1)
    ticket = TicketFactory(level=1, status=Status.OPEN)
    reminder = services.reminder_set(ticket_id=ticket.pk, by=agent, remind_at=datetime.now(UTC) + timedelta(hours=1))
    with pytest.raises(NotAllowedError):
        services.reminder_cancel(reminder_id=reminder.pk, by=other)
    services.reminder_cancel(reminder_id=reminder.pk, by=agent)
    assert services.reminders_send(now=datetime.now(UTC) + timedelta(hours=2)) == []
    assert TicketReminder.objects.get(pk=reminder.pk).cancelled_at is not None
    assert not Notification.objects.filter(kind=NotificationKind.REMINDER).exists()


@pytest.mark.parametrize("note", ["x" * 201])
def test_a_reminder_note_too_long_or_a_time_gone_by_is_refused(note):
    agent = make_agent(1)
    ticket = TicketFactory(level=1, status=Status.OPEN)
    with pytest.raises(TicketError):
        services.reminder_set(
            ticket_id=ticket.pk, by=agent, remind_at=datetime.now(UTC) + timedelta(hours=1), note=note
        )
    with pytest.raises(TicketError):
        services.reminder_set(ticket_id=ticket.pk, by=agent, remind_at=datetime.now(UTC) - timedelta(minutes=1))
    with pytest.raises(NotAllowedError):
        services.reminder_set(
            ticket_id=ticket.pk, by=make_requester(), remind_at=datetime.now(UTC) + timedelta(hours=1)
        )
    assert not TicketReminder.objects.exists()


def _resolved(at, *, requester=None):
    agent = make_agent(1)
    ticket = TicketFactory(level=1, assignee=agent, status=Status.OPEN, requester=requester or make_requester())
    with time_machine.travel(at, tick=False):
        services.ticket_resolve(ticket_id=ticket.pk, by=agent, resolution="Replaced the toner")
    ticket.refresh_from_db()
    return ticket, agent


def test_a_resolved_ticket_closes_itself_after_five_business_days_on_its_calendar():
    # P4 counts office hours in WIB: resolved on a Friday, the fifth business day after is
    # the next Friday; a holiday on Wednesday pushes it to Monday.
    policy = SlaPolicy.objects.get(priority=4, category__isnull=True)
    Holiday.objects.create(calendar=policy.calendar, date=datetime(2026, 6, 10).date(), name="Local holiday")
    friday = datetime(2026, 6, 5, 11, 0, tzinfo=WIB)
    ticket, _agent = _resolved(friday)
    assert ticket.auto_close_notice_at == datetime(2026, 6, 15, 8, 0, tzinfo=WIB)
    assert ticket.auto_close_at == datetime(2026, 6, 15, 17, 0, tzinfo=WIB)

    assert services.tickets_auto_close(now=datetime(2026, 6, 15, 7, 59, tzinfo=WIB)) == ([], [])
    assert services.tickets_auto_close(now=datetime(2026, 6, 15, 8, 0, tzinfo=WIB)) == ([ticket.pk], [])
    assert services.tickets_auto_close(now=datetime(2026, 6, 15, 9, 0, tzinfo=WIB)) == ([], [])
    [notice] = Notification.objects.filter(kind=NotificationKind.AUTO_CLOSE_NOTICE)
    assert notice.recipient == ticket.requester and "reply to this email or reopen" in notice.body_text
    assert "it will close on" in notice.body_text

    assert services.tickets_auto_close(now=datetime(2026, 6, 15, 17, 0, tzinfo=WIB)) == ([], [ticket.pk])
    assert services.tickets_auto_close(now=datetime(2026, 6, 15, 18, 0, tzinfo=WIB)) == ([], [])
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at == datetime(2026, 6, 15, 17, 0, tzinfo=WIB)
    closed = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CLOSED)
    assert closed.actor is None and (closed.from_value, closed.to_value) == (Status.RESOLVED, Status.CLOSED)
    assert Notification.objects.filter(kind=NotificationKind.AUTO_CLOSED, recipient=ticket.requester).count() == 1


def test_a_requester_reply_or_reopen_cancels_the_auto_close():
    replied, _agent = _resolved(TUESDAY_10)
    services.comment_add(ticket_id=replied.pk, author=replied.requester, body="Thanks, one more question")
    reopened, _agent = _resolved(TUESDAY_10)
    services.ticket_reopen(ticket_id=reopened.pk, by=reopened.requester, reason="Broken again")
    far = TUESDAY_10 + timedelta(days=30)
    assert services.tickets_auto_close(now=far) == ([], [])
    for ticket in (replied, reopened):
        ticket.refresh_from_db()
        assert ticket.auto_close_at is None and ticket.auto_close_notice_at is None
    assert Ticket.objects.get(pk=replied.pk).status == Status.RESOLVED


@override_settings(HELPDESK_AUTO_CLOSE_BUSINESS_DAYS=0)
def test_zero_business_days_means_never():
    ticket, _agent = _resolved(TUESDAY_10)
    assert ticket.auto_close_at is None and ticket.auto_close_notice_at is None


def test_the_sweep_task_runs_all_three():
    from tickets.tasks import follow_up_sweep

    agent = make_agent(1)
    ticket = TicketFactory(level=1, status=Status.OPEN)
    Ticket.objects.filter(pk=ticket.pk).update(snoozed_until=datetime.now(UTC) - timedelta(seconds=1))
    TicketReminder.objects.create(ticket=ticket, agent=agent, remind_at=datetime.now(UTC) - timedelta(seconds=1))
    assert follow_up_sweep() == 2
    assert follow_up_sweep() == 0
