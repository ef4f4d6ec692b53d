from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from escalation.models import EscalationRule
from escalation.services.notices import supervisor_page_queue
from notifications import services
from notifications.choices import NotificationChannel, NotificationKind, NotificationStatus
from notifications.models import Notification, NotificationPreference
from notifications.selectors import notification_preferences_of
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets import services as ticket_services
from tickets.choices import Impact, Urgency

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
WIT = ZoneInfo("Asia/Jayapura")


def escalate(ticket, by, capture):
    with capture(execute=True):
        ticket_services.ticket_escalate(ticket_id=ticket.pk, by=by, reason="Needs the network team")


def rows_for(user, channel):
    return Notification.objects.filter(recipient=user, channel=channel)


# --- what reaches whom


def test_without_a_preference_row_staff_get_every_email_and_sms_for_p1_and_p2(
    django_capture_on_commit_callbacks, sms_outbox
):
    agent2 = make_agent(2, phone="+6281200000002")
    for priority, impact in ((2, Impact.HIGH), (3, Impact.MEDIUM)):
        ticket = TicketFactory(level=1, impact=impact, urgency=Urgency.MEDIUM, priority=priority)
        escalate(ticket, make_agent(1), django_capture_on_commit_callbacks)
    assert rows_for(agent2, NotificationChannel.EMAIL).count() == 2
    [sms] = rows_for(agent2, NotificationChannel.SMS)
    assert sms.ticket.priority == 2
    assert [message.to for message in sms_outbox] == [agent2.phone]


def test_a_person_who_turned_email_off_for_escalations_gets_none(django_capture_on_commit_callbacks):
    agent2 = make_agent(2)
    other = make_agent(2)
    NotificationPreference.objects.create(
        user=agent2, email_kinds=[NotificationKind.SLA_BREACH], sms_kinds=[], sms_max_priority=1
    )
    escalate(TicketFactory(level=1), make_agent(1), django_capture_on_commit_callbacks)
    assert not rows_for(agent2, NotificationChannel.EMAIL).exists()
    assert [message.to for message in mail.outbox] == [[other.email]]


def test_sms_for_every_priority_when_asked(django_capture_on_commit_callbacks, sms_outbox):
    agent2 = make_agent(2, phone="+6281200000002")
    NotificationPreference.objects.create(user=agent2, sms_kinds=[NotificationKind.ESCALATED], sms_max_priority=4)
    ticket = TicketFactory(level=1, impact=Impact.LOW, urgency=Urgency.LOW, priority=4)
    escalate(ticket, make_agent(1), django_capture_on_commit_callbacks)
    assert [message.to for message in sms_outbox] == [agent2.phone]
    assert ticket.reference in sms_outbox[0].body


def test_a_supervisor_page_comes_by_sms_whatever_the_priority_limit(django_capture_on_commit_callbacks, sms_outbox):
    supervisor = make_supervisor(phone="+6281200000009")
    NotificationPreference.objects.create(user=supervisor, sms_max_priority=1)
    ticket = TicketFactory(level=1, impact=Impact.LOW, urgency=Urgency.LOW, priority=4)
    with django_capture_on_commit_callbacks(execute=True):
        supervisor_page_queue(ticket=ticket, rule=EscalationRule(name="Paged by hand", level=1, trigger="not_taken"))
    assert [message.to for message in sms_outbox] == [supervisor.phone]


def test_a_requester_who_wants_essential_mail_only_gets_replies_but_no_acknowledgement(
    django_capture_on_commit_callbacks,
):
    requester = make_requester()
    NotificationPreference.objects.create(user=requester, essential_email_only=True)
    agent = make_agent(1)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_services.ticket_create(
            requester=requester, subject="VPN down", description="No VPN", urgency="low"
        )
    assert not Notification.objects.filter(ticket=ticket).exists()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.comment_add(ticket_id=ticket.pk, author=agent, body="Please restart the client.")
    assert [(row.kind, row.status) for row in Notification.objects.filter(ticket=ticket)] == [
        (NotificationKind.REPLY, NotificationStatus.SENT)
    ]
    assert [message.to for message in mail.outbox] == [[requester.email]]


def test_requesters_never_get_sms_even_with_a_phone(django_capture_on_commit_callbacks, sms_outbox):
    requester = make_requester(phone="+6281200000001")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_create(requester=requester, subject="VPN down", description="x", urgency="high")
    assert sms_outbox == []
    assert len(mail.outbox) == 1


# --- quiet hours


def quiet_agent(**kwargs):
    agent = make_agent(2, phone="+6281200000002", **kwargs)
    NotificationPreference.objects.create(user=agent, quiet_start=time(22), quiet_end=time(6))
    return agent


def test_an_sms_in_quiet_hours_waits_until_they_end_and_the_email_goes_at_once(
    django_capture_on_commit_callbacks, sms_outbox
):
    agent2 = quiet_agent()
    ticket = TicketFactory(level=1, impact=Impact.HIGH, urgency=Urgency.MEDIUM, priority=2)
    with time_machine.travel(datetime(2026, 11, 25, 23, 30, tzinfo=WIB), tick=False):
        escalate(ticket, make_agent(1), django_capture_on_commit_callbacks)
    sms = rows_for(agent2, NotificationChannel.SMS).get()
    assert sms.status == NotificationStatus.PENDING
    assert sms.next_attempt_at == datetime(2026, 11, 26, 6, 0, tzinfo=WIB)
    assert sms_outbox == []
    assert rows_for(agent2, NotificationChannel.EMAIL).get().status == NotificationStatus.SENT

    with time_machine.travel(datetime(2026, 11, 26, 5, 59, tzinfo=WIB), tick=False):
        assert services.notification_sweep() == 0
    with time_machine.travel(datetime(2026, 11, 26, 6, 0, 30, tzinfo=WIB), tick=False):
        assert services.notification_sweep() == 1
    assert [message.to for message in sms_outbox] == [agent2.phone]
    sms.refresh_from_db()
    assert sms.status == NotificationStatus.SENT


def test_a_p1_overrides_quiet_hours(django_capture_on_commit_callbacks, sms_outbox):
    agent2 = quiet_agent()
    ticket = TicketFactory(level=1, impact=Impact.HIGH, urgency=Urgency.HIGH, priority=1)
    with time_machine.travel(datetime(2026, 11, 25, 2, 0, tzinfo=WIB), tick=False):
        escalate(ticket, make_agent(1), django_capture_on_commit_callbacks)
    assert rows_for(agent2, NotificationChannel.SMS).get().status == NotificationStatus.SENT
    assert [message.to for message in sms_outbox] == [agent2.phone]


def test_quiet_hours_are_read_in_the_persons_own_time_zone(django_capture_on_commit_callbacks, sms_outbox):
    # 21:00 in Jakarta is 23:00 in Jayapura: inside WIT quiet hours, outside WIB ones.
    agent_wit = quiet_agent(time_zone="Asia/Jayapura")
    agent_wib = quiet_agent()
    ticket = TicketFactory(level=1, impact=Impact.HIGH, urgency=Urgency.MEDIUM, priority=2)
    with time_machine.travel(datetime(2026, 11, 25, 21, 0, tzinfo=WIB), tick=False):
        escalate(ticket, make_agent(1), django_capture_on_commit_callbacks)
    assert rows_for(agent_wit, NotificationChannel.SMS).get().next_attempt_at == datetime(2026, 11, 26, 6, tzinfo=WIT)
    assert rows_for(agent_wib, NotificationChannel.SMS).get().status == NotificationStatus.SENT
    assert [message.to for message in sms_outbox] == [agent_wib.phone]


@pytest.mark.parametrize(
    ("start", "end", "local", "until"),
    [
        (time(22), time(6), datetime(2026, 1, 5, 23, 0), datetime(2026, 1, 6, 6, 0)),
        (time(22), time(6), datetime(2026, 1, 5, 1, 0), datetime(2026, 1, 5, 6, 0)),
        (time(22), time(6), datetime(2026, 1, 5, 22, 0), datetime(2026, 1, 6, 6, 0)),
        (time(22), time(6), datetime(2026, 1, 5, 6, 0), None),
        (time(22), time(6), datetime(2026, 1, 5, 12, 0), None),
        (time(12), time(13), datetime(2026, 1, 5, 12, 30), datetime(2026, 1, 5, 13, 0)),
        (time(12), time(13), datetime(2026, 1, 5, 13, 0), None),
        (time(12), time(13), datetime(2026, 1, 5, 11, 59), None),
    ],
)
def test_quiet_until(start, end, local, until):
    preference = NotificationPreference(quiet_start=start, quiet_end=end)
    expected = until.replace(tzinfo=WIB) if until else None
    assert preference.quiet_until(at=local.replace(tzinfo=WIB), time_zone="Asia/Jakarta") == expected


def test_no_quiet_hours_means_never_quiet():
    assert NotificationPreference().quiet_until(at=timezone.now(), time_zone="Asia/Jakarta") is None


def test_a_held_sms_is_listed_pending_with_its_time_in_the_delivery_log(client, django_capture_on_commit_callbacks):
    quiet_agent()
    ticket = TicketFactory(level=1, impact=Impact.HIGH, urgency=Urgency.MEDIUM, priority=2)
    with time_machine.travel(timezone.now().astimezone(WIB).replace(hour=23, minute=0), tick=False):
        escalate(ticket, make_agent(1), django_capture_on_commit_callbacks)
    client.force_login(make_supervisor())
    response = client.get("/notifications/")
    assert response.status_code == 200
    [held] = response.context["page"].object_list
    assert held.channel == NotificationChannel.SMS
    assert "next try" in response.content.decode()
    assert held.next_attempt_at.astimezone(WIB).strftime("%H:%M") == "06:00"
    assert held.next_attempt_at.astimezone(WIB).strftime("%H:%M") in response.content.decode()


def test_the_preferences_of_several_people_are_read_as_the_orm_reads_them(django_assert_num_queries):
    quiet, plain, without = make_agent(1), make_agent(2), make_requester()
    NotificationPreference.objects.create(
        user=quiet, sms_kinds=[NotificationKind.SLA_BREACH], quiet_start=time(22), quiet_end=time(6, 30)
    )
    NotificationPreference.objects.create(user=plain, essential_email_only=True, sms_max_priority=4)
    people = [quiet.pk, without.pk, plain.pk]
    with django_assert_num_queries(1):
        found = notification_preferences_of(people)
    expected = NotificationPreference.objects.in_bulk(people)
    assert set(found) == set(expected) == {quiet.pk, plain.pk}
    for pk, row in expected.items():
        fields = [field.attname for field in NotificationPreference._meta.concrete_fields]
        assert [getattr(found[pk], name) for name in fields] == [getattr(row, name) for name in fields]
    assert found[quiet.pk].quiet_end == time(6, 30) and found[quiet.pk].sms_kinds == ["sla_breach"]
    assert notification_preferences_of([without.pk]) == {}
    assert notification_preferences_of([]) == {}
