from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.services import sla_notifications_queue
from notifications import services
from notifications.choices import NotificationChannel, NotificationStatus
from notifications.models import Notification, WebhookEndpoint
from notifications.webhooks import webhook_signature
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tests.fakes.webhook_receiver import WebhookReceiver
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    # The receiver runs on this host: its address alone is let through, as an operator
    # would with HELPDESK_WEBHOOK_ALLOWED_NETWORKS.
    settings.HELPDESK_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    hook = WebhookReceiver(secret="s3cret-for-tests")
    yield hook
    hook.stop()


def endpoint(receiver, events, **kwargs) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        name="Chat bot", url=receiver.url, secret=receiver.secret, events=events, **kwargs
    )


def file_ticket(capture, **kwargs):
    with capture(execute=True):
        return ticket_services.ticket_create(
            requester=make_requester(), subject="Core switch down", description="Floor 3", urgency="high", **kwargs
        )


def test_a_subscribed_endpoint_gets_one_signed_delivery_per_event(receiver, django_capture_on_commit_callbacks):
    endpoint(receiver, ["ticket.created", "ticket.escalated"])
    ticket = file_ticket(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_escalate(ticket_id=ticket.pk, by=make_agent(1), reason="Needs the network team")
    events = [(r.event, r.signature_ok) for r in receiver.received]
    assert events == [("ticket.created", True), ("ticket.escalated", True)]
    created = receiver.received[0].payload
    assert created["ticket"]["reference"] == ticket.reference
    assert created["ticket"]["priority"] == ticket.priority
    assert receiver.received[1].payload["data"] == {"reason": "Needs the network team"}
    rows = Notification.objects.filter(channel=NotificationChannel.WEBHOOK).order_by("id")
    assert [row.status for row in rows] == [NotificationStatus.SENT] * 2
    assert [row.delivery_key for row in rows] == [r.delivery for r in receiver.received]


def test_only_subscribed_and_active_endpoints_are_called(receiver, django_capture_on_commit_callbacks):
    endpoint(receiver, ["ticket.resolved"])
    endpoint(receiver, ["ticket.created"], is_active=False)
    file_ticket(django_capture_on_commit_callbacks)
    assert receiver.received == []
    assert not Notification.objects.filter(channel=NotificationChannel.WEBHOOK).exists()


def test_a_failing_endpoint_is_retried_with_the_same_delivery_id_then_dead_lettered(
    receiver, settings, django_capture_on_commit_callbacks, client
):
    settings.HELPDESK_NOTIFICATION_MAX_ATTEMPTS = 3
    receiver.answer = 503
    endpoint(receiver, ["ticket.created"])
    file_ticket(django_capture_on_commit_callbacks)
    row = Notification.objects.get(channel=NotificationChannel.WEBHOOK)
    assert row.status == NotificationStatus.FAILED
    assert "503" in row.last_error
    for _attempt in range(2):
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        services.notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.DEAD, 3)
    assert len(receiver.deliveries()) == 1  # one delivery id, three attempts
    assert receiver.deliveries()[row.delivery_key] == 3
    client.force_login(make_supervisor())
    log = client.get("/notifications/", {"status": "dead"}).content.decode()
    assert receiver.url in log
    assert "503" in log
    # Once the receiver is back, a supervisor's retry delivers it.
    receiver.answer = 200
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_retry(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT


def test_sla_breach_event_carries_the_metric(receiver, django_capture_on_commit_callbacks):
    from sla.models import SlaEvent

    endpoint(receiver, ["sla.breached"])
    ticket = TicketFactory(priority=1)
    event = SlaEvent.objects.create(
        ticket=ticket, metric="resolution", threshold="breached", due_at=timezone.now(), level=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        sla_notifications_queue(event_ids=[event.pk])
    [received] = receiver.received
    assert received.event == "sla.breached"
    assert received.signature_ok
    assert received.payload["data"]["metric"] == "resolution"
    assert received.payload["data"]["threshold"] == "breached"


def test_the_signature_covers_timestamp_and_body():
    one = webhook_signature(secret="k", timestamp="1700000000", body=b'{"a":1}')
    assert one.startswith("v1=") and len(one) == 67
    assert one != webhook_signature(secret="k", timestamp="1700000001", body=b'{"a":1}')
    assert one != webhook_signature(secret="k", timestamp="1700000000", body=b'{"a":2}')
    assert one != webhook_signature(secret="other", timestamp="1700000000", body=b'{"a":1}')
