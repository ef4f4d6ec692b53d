import logging
import re
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from accounts.choices import Level
from notifications import services as notification_services
from notifications.choices import NotificationChannel, NotificationKind, NotificationStatus
from notifications.models import Notification
from notifications.tasks import notification_send
from tests.factories import TicketFactory, category, make_agent, make_requester
from tickets import services as ticket_services
from tickets.choices import Impact, Priority, Urgency
from tickets.models import Ticket, pk_from_reference

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw"  # what tests.factories sets for every user
HTTP_TIMEOUT = 10
REFERENCE = re.compile(r"HD-\d{6,}")


def signed_in(base_url: str, user) -> requests.Session:
    """A browser-like session signed in through the login form."""
    session = requests.Session()
    login_url = f"{base_url}/accounts/login/"
    assert session.get(login_url, timeout=HTTP_TIMEOUT).status_code == 200
    response = post_form(session, login_url, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.text[:2000]
    return session


def post_form(session: requests.Session, url: str, fields: dict, *, multipart: bool = False) -> requests.Response:
    """POST a form the way a browser does: the CSRF token from the cookie, a Referer."""
    fields = {**fields, "csrfmiddlewaretoken": session.cookies["csrftoken"]}
    body = {"files": {name: (None, str(value)) for name, value in fields.items()}} if multipart else {"data": fields}
    return session.post(url, **body, headers={"Referer": url}, allow_redirects=False, timeout=HTTP_TIMEOUT)


def notifications_settled(ticket) -> bool:
    """Every outbox row of the ticket has been delivered."""
    rows = Notification.objects.filter(ticket=ticket)
    return rows.exists() and not rows.exclude(status=NotificationStatus.SENT).exists()


def test_a_ticket_filed_over_http_is_acknowledged_by_email_from_the_worker(live_server, celery_worker_process):
    worker = celery_worker_process
    requester = make_requester(email="ana.wijaya@example.com")
    session = signed_in(live_server.url, requester)
    new_ticket_url = f"{live_server.url}/tickets/new/"
    assert session.get(new_ticket_url, timeout=HTTP_TIMEOUT).status_code == 200

    response = post_form(
        session,
        new_ticket_url,
        {
            "subject": "Outlook keeps asking for my password",
            "category": category("Email").pk,
            "impact": Impact.LOW,
            "urgency": Urgency.MEDIUM,
            "description": "Since this morning Outlook asks for my password every few minutes.",
        },
        multipart=True,
    )

    assert response.status_code == 302, response.text[:2000]
    reference = REFERENCE.search(response.headers["Location"]).group(0)
    ticket = Ticket.objects.get(pk=pk_from_reference(reference))
    assert ticket.requester == requester
    [message] = worker.wait_for(
        lambda: worker.emails(to=requester.email, reference=reference), what="the acknowledgement email"
    )
    assert reference in message["Subject"]
    assert reference in message.get_body(("plain",)).get_content()
    notification = worker.wait_for(
        lambda: Notification.objects.filter(ticket=ticket, status=NotificationStatus.SENT).first(),
        what="the notification to be marked sent",
    )
    assert (notification.kind, notification.channel, notification.address) == (
        NotificationKind.TICKET_CREATED,
        NotificationChannel.EMAIL,
        requester.email,
    )
    assert notification.attempts == 1
    assert notification.provider_id == message["Message-ID"]


def test_escalating_a_p1_ticket_sends_email_and_sms_to_the_next_level_through_the_worker(
    live_server, celery_worker_process
):
    worker = celery_worker_process
    level_one = make_agent(1, phone="+6281200000001")
    level_two = make_agent(2, phone="+6281200000002")
    level_three = make_agent(3, phone="+6281200000003")
    ticket = ticket_services.ticket_create(
        requester=make_requester(),
        subject="The whole office is offline",
        description="No one on floors 2 to 5 can reach anything.",
        impact=Impact.HIGH,
        urgency=Urgency.HIGH,
    )
    assert (ticket.priority, ticket.level) == (Priority.P1, Level.I)
    session = signed_in(live_server.url, level_one)

    response = post_form(
        session,
        f"{live_server.url}/tickets/{ticket.reference}/escalate/",
        {"reason": "The core switch is not answering; needs Level II."},
    )

    assert response.status_code == 302, response.text[:2000]
    ticket.refresh_from_db()
    assert ticket.level == Level.II
    [message] = worker.wait_for(
        lambda: worker.emails(to=level_two.email, reference=ticket.reference), what="the escalation email"
    )
    assert ticket.reference in message["Subject"]
    [sms] = worker.wait_for(lambda: worker.sms(to=level_two.phone), what="the escalation SMS")
    assert ticket.reference in sms["body"]
    worker.wait_for(lambda: notifications_settled(ticket), what="every notification of the ticket to be sent")
    assert not Notification.objects.filter(recipient__in=[level_one, level_three]).exists()
    assert worker.emails(to=level_three.email) == []
    assert worker.sms(to=level_three.phone) == []
    assert [record["to"] for record in worker.sms()] == [level_two.phone]


def test_notifications_queued_while_the_broker_is_unreachable_are_delivered_by_the_sweep(
    celery_worker_process, broker_unreachable, caplog
):
    worker = celery_worker_process
    requester = make_requester()

    with broker_unreachable(), caplog.at_level(logging.WARNING, logger="notifications.services"):
        ticket = ticket_services.ticket_create(
            requester=requester, subject="VPN drops", description="Every ten minutes.", urgency=Urgency.MEDIUM
        )

    notification = Notification.objects.get(ticket=ticket)
    assert (notification.status, notification.attempts) == (NotificationStatus.PENDING, 0)
    assert f"notifications {notification.pk} stay pending" in caplog.text

    handed_over = notification_services.notification_sweep(now=timezone.now() + timedelta(minutes=1))

    assert handed_over == 1
    worker.wait_for(lambda: notifications_settled(ticket), what="the swept notification to be sent")
    notification.refresh_from_db()
    assert notification.attempts == 1
    assert len(worker.emails(reference=ticket.reference)) == 1
    assert len(worker.emails()) == 1


def test_a_redelivered_notification_task_sends_only_once(celery_worker_process):
    worker = celery_worker_process
    requester = make_requester()
    ticket = TicketFactory(requester=requester)
    notification = Notification.objects.create(
        kind=NotificationKind.TICKET_CREATED,
        channel=NotificationChannel.EMAIL,
        ticket=ticket,
        recipient=requester,
        address=requester.email,
        subject=f"[{ticket.reference}] We received your request",
        body_text="We received your request.",
        headers={"X-Helpdesk-Ticket": ticket.reference},
    )

    first = notification_send.delay([notification.pk])
    second = notification_send.delay([notification.pk])

    def both_finished():
        results = worker.task_results(first.id, second.id)
        return results if len(results) == 2 else None

    results = worker.wait_for(both_finished, what="both tasks to finish")
    assert sorted(results.values()) == ["0", "1"]  # messages sent by each
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (NotificationStatus.SENT, 1)
    assert len(worker.emails(reference=ticket.reference)) == 1
