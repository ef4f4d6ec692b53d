from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from escalation.services import sla_sweep
from notifications.choices import NotificationKind
from notifications.models import Notification
from sla.choices import SlaMetric, SlaThreshold
from sla.models import SlaClock, SlaEvent
from tests.factories import make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import Impact, Status, Urgency
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
# A Tuesday with no Indonesian holiday near it.
TUESDAY_10 = datetime(2026, 3, 10, 10, 0, tzinfo=WIB)


def file(at, *, impact=Impact.HIGH, urgency=Urgency.HIGH, **kwargs):
    with time_machine.travel(at, tick=False):
        return services.ticket_create(
            requester=kwargs.pop("requester", None) or make_requester(),
            subject="Server down",
            description="No answer",
            impact=impact,
            urgency=urgency,
            **kwargs,
        )


def sweep(at):
    with time_machine.travel(at, tick=False):
        return sla_sweep()


def next_check(ticket):
    return SlaClock.objects.get(ticket=ticket).next_check_at


def events(ticket):
    return set(SlaEvent.objects.filter(ticket=ticket).values_list("metric", "threshold"))


def test_a_p1_ticket_gets_round_the_clock_due_times_with_warnings():
    ticket = file(TUESDAY_10)
    assert ticket.first_response_due_at == TUESDAY_10 + timedelta(minutes=15)
    assert ticket.first_response_warn1_at == TUESDAY_10 + timedelta(minutes=7, seconds=30)
    assert ticket.first_response_warn2_at == TUESDAY_10 + timedelta(minutes=12)
    assert ticket.resolution_due_at == TUESDAY_10 + timedelta(hours=4)
    assert ticket.sla_due_at == ticket.first_response_due_at
    assert next_check(ticket) == ticket.first_response_warn1_at
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.sla_due_at == ticket.sla_due_at


def test_a_p4_ticket_counts_business_hours_only():
    friday_16 = datetime(2026, 3, 13, 16, 0, tzinfo=WIB)
    ticket = file(friday_16, impact=Impact.LOW, urgency=Urgency.LOW)
    # One business day (9 h): Friday 16–17, then Monday 08–16.
    assert ticket.first_response_due_at == datetime(2026, 3, 16, 16, 0, tzinfo=WIB)


def test_pending_on_the_customer_pauses_the_clock_and_resuming_extends_it():
    agent = make_agent(1)
    ticket = file(TUESDAY_10)
    with time_machine.travel(TUESDAY_10 + timedelta(minutes=5), tick=False):
        services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=Status.PENDING)
    ticket.refresh_from_db()
    assert ticket.sla_due_at is None and next_check(ticket) is None
    with time_machine.travel(TUESDAY_10 + timedelta(hours=2, minutes=5), tick=False):
        services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=Status.OPEN)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == TUESDAY_10 + timedelta(hours=2, minutes=15)


def test_a_priority_change_recomputes_from_the_history_not_from_now():
    agent = make_agent(1)
    ticket = file(TUESDAY_10, impact=Impact.LOW, urgency=Urgency.LOW)  # P4
    with time_machine.travel(TUESDAY_10 + timedelta(hours=1), tick=False):
        services.ticket_reclassify(
            ticket_id=ticket.pk, by=agent, impact=Impact.HIGH, urgency=Urgency.HIGH, category=None
        )
    ticket.refresh_from_db()
    # As if it had been P1 from the start: first response was due 15 minutes after filing.
    assert ticket.first_response_due_at == TUESDAY_10 + timedelta(minutes=15)
    recorded = sweep(TUESDAY_10 + timedelta(hours=1, seconds=1))
    assert len(recorded) == 3  # both warnings and the breach, at once
    assert (SlaMetric.FIRST_RESPONSE, SlaThreshold.BREACHED) in events(ticket)


def test_a_first_response_stops_that_clock_and_the_badge_moves_to_resolution():
    agent = make_agent(1)
    ticket = file(TUESDAY_10)
    with time_machine.travel(TUESDAY_10 + timedelta(minutes=3), tick=False):
        services.comment_add(ticket_id=ticket.pk, author=agent, body="Looking now")
    ticket.refresh_from_db()
    assert ticket.sla_due_at == ticket.resolution_due_at
    sweep(TUESDAY_10 + timedelta(minutes=20))
    assert not SlaEvent.objects.filter(ticket=ticket, metric=SlaMetric.FIRST_RESPONSE).exists()


def test_the_sweep_records_each_threshold_once_and_notifies(django_capture_on_commit_callbacks, sms_outbox):
    agent = make_agent(1, phone="+6281200000001")
    supervisor = make_supervisor(phone="+6281200000009")
    ticket = file(TUESDAY_10)
    services.ticket_take(ticket_id=ticket.pk, by=agent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = sweep(TUESDAY_10 + timedelta(minutes=8))
    assert len(first) == 1
    assert events(ticket) == {(SlaMetric.FIRST_RESPONSE, SlaThreshold.WARNING_1)}
    assert [m.to for m in mail.outbox] == [[agent.email]]
    assert "SLA warning" in mail.outbox[0].subject
    assert "has reached the first warning for first response." in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(TUESDAY_10 + timedelta(minutes=8)) == []
    assert len(mail.outbox) == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        later = sweep(TUESDAY_10 + timedelta(minutes=16))
    assert len(later) == 2
    breach_mail = [m for m in mail.outbox if "BREACHED" in m.subject]
    assert "missed its first response target" in breach_mail[0].body
    assert sorted(m.to[0] for m in breach_mail) == sorted([agent.email, supervisor.email])
    assert sorted(s.to for s in sms_outbox) == sorted([agent.phone, supervisor.phone])
    assert Notification.objects.filter(kind=NotificationKind.SLA_BREACH).count() == 4


def test_an_unassigned_ticket_warns_its_levels_agents():
    agent_a, agent_b = make_agent(1), make_agent(1)
    make_agent(2)
    ticket = file(TUESDAY_10)
    sweep(TUESDAY_10 + timedelta(minutes=8))
    from escalation.services import sla_notifications_queue

    sla_notifications_queue(event_ids=list(SlaEvent.objects.values_list("pk", flat=True)))
    recipients = set(
        Notification.objects.filter(ticket=ticket, kind=NotificationKind.SLA_WARNING).values_list("address", flat=True)
    )
    assert recipients == {agent_a.email, agent_b.email}


def test_notifying_the_same_events_twice_queues_once():
    make_agent(1)
    file(TUESDAY_10)
    sweep(TUESDAY_10 + timedelta(minutes=8))
    from escalation.services import sla_notifications_queue

    ids = list(SlaEvent.objects.values_list("pk", flat=True))
    assert sla_notifications_queue(event_ids=ids) == 1
    assert sla_notifications_queue(event_ids=ids) == 0


def test_resolved_and_paused_tickets_are_not_swept():
    agent = make_agent(1)
    resolved = file(TUESDAY_10)
    paused = file(TUESDAY_10)
    with time_machine.travel(TUESDAY_10 + timedelta(minutes=1), tick=False):
        services.ticket_resolve(ticket_id=resolved.pk, by=agent, resolution="Restarted")
        services.ticket_change_status(ticket_id=paused.pk, by=agent, status=Status.PENDING)
    assert sweep(TUESDAY_10 + timedelta(days=1)) == []


def test_the_queue_can_sort_by_time_left(client):
    agent = make_agent(1)
    later = file(TUESDAY_10, impact=Impact.LOW, urgency=Urgency.LOW)
    sooner = file(TUESDAY_10)
    client.force_login(agent)
    with time_machine.travel(TUESDAY_10 + timedelta(minutes=1), tick=False):
        html = client.get("/queue/", {"sort": "due"}).content.decode()
    assert html.index(sooner.reference) < html.index(later.reference)
    assert "14 min left" in html


def test_the_dashboard_shows_tickets_at_risk_and_breached_per_level(client):
    make_agent(1)
    at_risk = file(TUESDAY_10 + timedelta(minutes=5))
    breached = file(TUESDAY_10)
    file(TUESDAY_10 + timedelta(minutes=12))  # neither yet
    client.force_login(make_supervisor())
    with time_machine.travel(TUESDAY_10 + timedelta(minutes=16), tick=False):
        response = client.get("/dashboard/sla/")
    risk = response.context["risk"]
    assert (risk.at_risk[1], risk.breached[1]) == (1, 1)
    html = response.content.decode()
    assert breached.reference in html and at_risk.reference in html
    assert html.index(breached.reference) < html.index(at_risk.reference)
    assert "Overdue 1 min" in html


def test_the_sla_panel_is_for_supervisors_only(client):
    client.force_login(make_agent(1))
    assert client.get("/dashboard/sla/").status_code == 403


def test_the_ticket_page_explains_how_the_clock_ran(client):
    agent = make_agent(1)
    ticket = file(TUESDAY_10)
    with time_machine.travel(TUESDAY_10 + timedelta(minutes=5), tick=False):
        services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=Status.PENDING)
    with time_machine.travel(TUESDAY_10 + timedelta(minutes=30), tick=False):
        services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=Status.OPEN)
    sweep(TUESDAY_10 + timedelta(minutes=45))
    client.force_login(agent)
    with time_machine.travel(TUESDAY_10 + timedelta(minutes=46), tick=False):
        html = client.get(ticket.get_absolute_url()).content.decode()
    for text in (
        "Clock started. P1 promise: first response within 15 min, resolution within 4 h (Around the clock).",
        "Clock paused: waiting for the customer.",
        "Clock resumed: the ticket is open again.",
        "Breached: first response target missed.",
        "Overdue",
    ):
        assert text in html, text
    requester_html = client.get(ticket.get_absolute_url())
    assert requester_html.status_code == 200


def test_requesters_do_not_see_the_sla_card(client):
    requester = make_requester()
    ticket = file(TUESDAY_10, requester=requester)
    client.force_login(requester)
    html = client.get(ticket.get_absolute_url()).content.decode()
    assert 'data-testid="sla"' not in html


@pytest.mark.django_db(transaction=True)
def test_a_ticket_being_changed_during_a_sweep_is_left_for_the_next_sweep(reference_data):
    import threading

    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite runs one writer at a time)")
    make_agent(1)
    ticket = file(TUESDAY_10)
    locked, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold_the_ticket():
        with transaction.atomic():
            SlaClock.objects.select_for_update().get(ticket=ticket)  # as sla_refresh does mid-change
            locked.set()
            release.wait(10)
        connection.close()
        done.set()

    holder = threading.Thread(target=hold_the_ticket)
    holder.start()
    assert locked.wait(10)
    try:
        assert sweep(TUESDAY_10 + timedelta(minutes=8)) == []
        # Skipped, not advanced: the next sweep still sees it due.
        assert next_check(ticket) == ticket.first_response_warn1_at
    finally:
        release.set()
        holder.join(10)
    assert done.is_set()
    assert len(sweep(TUESDAY_10 + timedelta(minutes=8))) == 1


def test_a_holiday_added_by_hand_and_a_wita_calendar_move_the_due_time():
    from sla.models import Calendar, Holiday

    office = Calendar.objects.get(name="Office hours (WIB)")
    Holiday.objects.create(calendar=office, date=datetime(2026, 3, 16).date(), name="Office move")
    friday_16 = datetime(2026, 3, 13, 16, 0, tzinfo=WIB)
    ticket = file(friday_16, impact=Impact.LOW, urgency=Urgency.LOW)  # P4: one business day
    # Friday 16–17, Monday is off, Tuesday 08–16.
    assert ticket.first_response_due_at == datetime(2026, 3, 17, 16, 0, tzinfo=WIB)

    office.time_zone = "Asia/Makassar"  # WITA, one hour ahead of WIB
    office.save()
    Holiday.objects.all().delete()
    wita = file(friday_16, impact=Impact.LOW, urgency=Urgency.LOW)
    # Filed at 17:00 WITA, after hours: the whole day falls on Monday 08–17 WITA.
    assert wita.first_response_due_at == datetime(2026, 3, 16, 17, 0, tzinfo=ZoneInfo("Asia/Makassar"))
