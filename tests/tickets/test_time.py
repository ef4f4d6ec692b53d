"""Time spent on a ticket: typed with a reply or note (one transaction with it) or measured
by a timer kept on the server; only staff who work the ticket's level record time, each
entry is an internal audit event, and requesters never see any of it."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.api.permission_matrix import make_admin
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import EventKind
from tickets.durations import minutes_from_text
from tickets.exceptions import NotAllowedError, TicketError, TransitionError
from tickets.models import Comment, TicketEvent, TimeEntry
from tickets.selectors import ticket_events_visible

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("90", 90), ("1:30", 90), ("1h 30m", 90), ("1h30", 90), ("1.5h", 90), ("1,5 jam", 90), ("1 jam 30 menit", 90)],
)
def test_a_duration_is_read_as_people_type_it(text, minutes):
    assert minutes_from_text(text) == minutes


@pytest.mark.parametrize("text", ["", " ", "abc", "-5", "1:75", "h", "1h 30x", "🙂", "1e5", "<b>", "1\r\n30"])
def test_what_is_not_a_duration_is_refused(text):
    with pytest.raises(ValueError):
        minutes_from_text(text)


def test_a_reply_with_time_records_both_and_an_internal_event():
    ticket = TicketFactory(level=2, status="open")
    agent = make_agent(2)
    comment = services.comment_add_with_time(ticket_id=ticket.pk, author=agent, body="Restarted", minutes=45)
    entry = TimeEntry.objects.get(ticket=ticket)
    assert (entry.agent, entry.minutes, entry.comment, entry.started_at) == (agent, 45, comment, None)
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.TIME_RECORDED)
    assert (event.actor, event.to_value) == (agent, "45")
    assert event.pk not in {e.pk for e in ticket_events_visible(user=ticket.requester, ticket=ticket)}


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60 + 1, 10**9, "90", None, 1.5, True])
def test_a_reply_with_impossible_time_is_refused_and_nothing_is_kept(minutes):
    ticket = TicketFactory(level=1, status="open")
    with pytest.raises(TicketError):
        services.comment_add_with_time(ticket_id=ticket.pk, author=make_agent(1), body="Done", minutes=minutes)
    assert not Comment.objects.filter(ticket=ticket).exists()
    assert not TimeEntry.objects.exists() and not TicketEvent.objects.filter(ticket=ticket).exists()


def test_a_failing_time_entry_takes_the_reply_with_it(monkeypatch):
    ticket = TicketFactory(level=1, status="open")

    def broken(**kwargs):
        raise IntegrityError("disk full")

    monkeypatch.setattr(TimeEntry.objects, "create", broken)
    with pytest.raises(IntegrityError):
        services.comment_add_with_time(ticket_id=ticket.pk, author=make_agent(1), body="Done", minutes=5)
    assert not Comment.objects.filter(ticket=ticket).exists()


def test_only_staff_at_the_tickets_level_record_time():
    ticket = TicketFactory(level=2, status="open")
    for person in (ticket.requester, make_requester(), make_agent(1)):
        with pytest.raises(NotAllowedError):
            services.time_entry_record(ticket_id=ticket.pk, by=person, minutes=10)
        with pytest.raises(NotAllowedError):
            services.comment_add_with_time(ticket_id=ticket.pk, author=person, body="Hi", minutes=10)
        with pytest.raises(NotAllowedError):
            services.timer_start(ticket_id=ticket.pk, by=person)
    assert not TimeEntry.objects.exists() and not Comment.objects.exists()
    services.time_entry_record(ticket_id=ticket.pk, by=make_agent(3), minutes=10)
    services.time_entry_record(ticket_id=ticket.pk, by=make_supervisor(), minutes=10)
    assert TimeEntry.objects.count() == 2


def test_a_closed_ticket_takes_no_more_time():
    ticket = TicketFactory(level=1, status="closed")
    with pytest.raises(TransitionError):
        services.time_entry_record(ticket_id=ticket.pk, by=make_agent(1), minutes=10)


def test_the_timer_survives_and_stopping_records_the_minutes_rounded_up():
    ticket = TicketFactory(level=1, status="open")
    agent = make_agent(1)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.timer_start(ticket_id=ticket.pk, by=agent)
    assert not TicketEvent.objects.filter(ticket=ticket).exists()
    with time_machine.travel(start + timedelta(minutes=12, seconds=1), tick=False):
        entry = services.timer_stop(ticket_id=ticket.pk, by=agent)
    assert (entry.minutes, entry.started_at is not None, entry.is_running) == (13, True, False)
    assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.TIME_RECORDED).to_value == "13"


def test_one_running_timer_per_agent_and_ticket():
    ticket = TicketFactory(level=1, status="open")
    agent = make_agent(1)
    services.timer_start(ticket_id=ticket.pk, by=agent)
    with pytest.raises(TransitionError):
        services.timer_start(ticket_id=ticket.pk, by=agent)
    # Another agent has a timer of their own, and so does the same agent on another ticket.
    services.timer_start(ticket_id=ticket.pk, by=make_agent(1))
    services.timer_start(ticket_id=TicketFactory(level=1, status="open").pk, by=agent)
    # The database holds the rule even for a write that skips the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.create(ticket=ticket, agent=agent, started_at=timezone.now())


def test_the_database_refuses_an_entry_that_is_neither_running_nor_recorded():
    ticket = TicketFactory(level=1, status="open")
    agent = make_agent(1)
    for fields in ({"minutes": 0, "ended_at": timezone.now()}, {"minutes": 5}, {"minutes": 24 * 60 + 1}):
        with pytest.raises(IntegrityError), transaction.atomic():
            TimeEntry.objects.create(ticket=ticket, agent=agent, **fields)


def test_a_timer_forgotten_for_days_is_refused_and_can_be_discarded():
    ticket = TicketFactory(level=1, status="open")
    agent = make_agent(1)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.timer_start(ticket_id=ticket.pk, by=agent)
    with time_machine.travel(start + timedelta(days=3), tick=False):
        with pytest.raises(TransitionError):
            services.timer_stop(ticket_id=ticket.pk, by=agent)
        services.timer_discard(ticket_id=ticket.pk, by=agent)
    assert not TimeEntry.objects.exists() and not TicketEvent.objects.filter(ticket=ticket).exists()


def test_stopping_without_a_timer_is_refused():
    ticket = TicketFactory(level=1, status="open")
    with pytest.raises(TransitionError):
        services.timer_stop(ticket_id=ticket.pk, by=make_agent(1))


def test_an_agent_removes_their_own_entry_audited_and_no_one_elses():
    ticket = TicketFactory(level=1, status="open")
    agent, colleague = make_agent(1), make_agent(1)
    entry = services.time_entry_record(ticket_id=ticket.pk, by=agent, minutes=30)
    with pytest.raises(NotAllowedError):
        services.time_entry_delete(ticket_id=ticket.pk, entry_id=entry.pk, by=colleague)
    with pytest.raises(TicketError):
        services.time_entry_delete(ticket_id=TicketFactory(level=1).pk, entry_id=entry.pk, by=agent)
    services.time_entry_delete(ticket_id=ticket.pk, entry_id=entry.pk, by=agent)
    assert not TimeEntry.objects.exists()
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.TIME_REMOVED)
    assert (event.actor, event.from_value) == (agent, "30")


# --- the ticket page


def test_the_page_records_a_reply_with_its_time_and_shows_the_panel(client):
    ticket = TicketFactory(level=1, status="open")
    agent = make_agent(1)
    client.force_login(agent)
    response = client.post(f"/tickets/{ticket.reference}/comment/", {"body": "Reset it", "time_spent": "1h 30m"})
    assert response.status_code == 302
    assert TimeEntry.objects.get(ticket=ticket).minutes == 90
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert 'data-testid="time-panel"' in page and "1 h 30 min" in page


@pytest.mark.parametrize("typed", ["-10", "abc", "99999", "1:75", "0", "<script>", "🙂", "1\r\n2", "x" * 250])
def test_the_page_refuses_bad_time_with_a_form_error_and_keeps_nothing(client, typed):
    ticket = TicketFactory(level=1, status="open")
    client.force_login(make_agent(1))
    response = client.post(f"/tickets/{ticket.reference}/comment/", {"body": "Reset it", "time_spent": typed})
    assert response.status_code == 400
    assert response.context["forms"]["comment"].errors["time_spent"]
    assert not Comment.objects.filter(ticket=ticket).exists() and not TimeEntry.objects.exists()


def test_a_requester_sends_no_time_and_never_sees_any(client):
    ticket = TicketFactory(level=1, status="open")
    services.time_entry_record(ticket_id=ticket.pk, by=make_agent(1), minutes=25)
    client.force_login(ticket.requester)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert 'data-testid="time-panel"' not in page and "25 min" not in page and "time_spent" not in page
    response = client.post(f"/tickets/{ticket.reference}/comment/", {"body": "Thanks", "time_spent": "30"})
    assert response.status_code == 302
    assert TimeEntry.objects.count() == 1
    assert Comment.objects.get(ticket=ticket).author == ticket.requester


def test_the_timer_starts_and_stops_on_the_page(client):
    ticket = TicketFactory(level=1, status="open")
    agent = make_agent(1)
    client.force_login(agent)
    assert client.post(f"/tickets/{ticket.reference}/timer/", {"action": "start"}).status_code == 302
    assert 'data-testid="timer-running"' in client.get(ticket.get_absolute_url()).content.decode()
    assert client.post(f"/tickets/{ticket.reference}/timer/", {"action": "start"}).status_code == 409
    assert client.post(f"/tickets/{ticket.reference}/timer/", {"action": "stop"}).status_code == 302
    assert TimeEntry.objects.get(ticket=ticket).minutes == 1
    assert client.post(f"/tickets/{ticket.reference}/timer/", {"action": "boom"}).status_code == 400
    entry = TimeEntry.objects.get(ticket=ticket)
    assert client.post(f"/tickets/{ticket.reference}/time/{entry.pk}/delete/").status_code == 302
    assert not TimeEntry.objects.exists()


def test_staff_below_the_tickets_level_read_its_time_but_get_no_buttons(client):
    ticket = TicketFactory(level=2, status="open")
    services.time_entry_record(ticket_id=ticket.pk, by=make_agent(2), minutes=20)
    client.force_login(make_agent(1))
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert 'data-testid="time-panel"' in page and "20 min" in page
    assert 'data-testid="timer-start"' not in page and 'data-testid="time-entry-delete"' not in page
    assert 'name="time_spent"' not in page


def test_administrators_read_a_tickets_time_in_the_admin(client):
    ticket = TicketFactory(level=1, status="open")
    services.time_entry_record(ticket_id=ticket.pk, by=make_agent(1), minutes=33)
    client.force_login(make_admin())
    page = client.get(f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert page.status_code == 200 and "33" in page.content.decode()
