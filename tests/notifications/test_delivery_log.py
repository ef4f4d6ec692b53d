import pytest
from django.core import mail
from django.utils import timezone

from notifications.choices import NotificationStatus
from notifications.models import Notification
from tests.factories import make_agent, make_requester, make_supervisor
from tickets import services

pytestmark = pytest.mark.django_db


def failed_ack():
    ticket = services.ticket_create(requester=make_requester(), subject="VPN", description="down", urgency="low")
    row = Notification.objects.get(ticket=ticket)
    Notification.objects.filter(pk=row.pk).update(
        status=NotificationStatus.DEAD, attempts=5, last_error="SMTPServerDisconnected: relay closed"
    )
    return ticket, row


def test_supervisors_see_failed_notifications_with_their_errors_and_counts(client):
    ticket, _row = failed_ack()
    client.force_login(make_supervisor())
    html = client.get("/notifications/").content.decode()
    assert ticket.reference in html and "relay closed" in html and "Send again" in html
    assert list(client.get("/notifications/", {"status": "sent"}).context["page"].object_list) == []
    dashboard = client.get("/dashboard/").content.decode()
    assert "0 waiting, 0 retrying, 1 dead-lettered" in dashboard


def test_sending_a_failed_notification_again_delivers_it(client, django_capture_on_commit_callbacks):
    _ticket, row = failed_ack()
    client.force_login(make_supervisor())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/notifications/{row.pk}/retry/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT and row.attempts == 6
    assert len(mail.outbox) == 1
    again = client.post(f"/notifications/{row.pk}/retry/", follow=True)
    assert "Only a failed or dead-lettered notification" in again.content.decode()


def test_agents_and_requesters_cannot_see_or_retry_deliveries(client):
    _ticket, row = failed_ack()
    for user in (make_agent(1), make_requester()):
        client.force_login(user)
        assert client.get("/notifications/").status_code == 403
        assert client.post(f"/notifications/{row.pk}/retry/").status_code == 403
    row.refresh_from_db()
    assert row.status == NotificationStatus.DEAD
    assert row.next_attempt_at <= timezone.now()
