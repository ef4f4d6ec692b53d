import base64
import json
from datetime import timedelta
from email import message_from_bytes

import pytest
import redis
from django.core import mail
from django.utils import timezone

from notifications import services
from notifications.choices import NotificationChannel, NotificationKind, NotificationStatus
from notifications.models import Notification
from notifications.sms import SmsMessage, get_sms_backend, send_sms
from tests.factories import TicketFactory, make_agent, make_requester
from tests.support import broker_at
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db


def pending_ack():
    """A filed ticket whose acknowledgement is still in the outbox (on-commit not run)."""
    ticket = ticket_services.ticket_create(
        requester=make_requester(), subject="VPN down", description="No VPN", urgency="high"
    )
    return ticket, Notification.objects.get(ticket=ticket)


def test_delivery_sends_the_email_and_marks_the_row_sent():
    ticket, row = pending_ack()
    assert services.notification_deliver(notification_id=row.pk) is True
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT
    assert row.attempts == 1 and row.sent_at is not None and row.provider_id.startswith("<")
    message = mail.outbox[0]
    assert message.to == [ticket.requester.email]
    assert ticket.reference in message.subject
    assert message.alternatives and ticket.reference in message.alternatives[0][0]
    assert message.extra_headers["X-Helpdesk-Ticket"] == ticket.reference
    parsed = message_from_bytes(message.message().as_bytes())
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.get_payload()] == ["text/plain", "text/html"]
    assert parsed["Message-ID"] == row.provider_id


def test_a_batch_sends_each_due_row_once_and_records_each_outcome(settings):
    first, late, last = (pending_ack()[1] for _ in range(3))
    Notification.objects.filter(pk=late.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    settings.SMS_BACKEND = "notifications.sms.base.BaseSmsBackend"  # every SMS fails
    sms = Notification.objects.create(
        kind=NotificationKind.ESCALATED,
        channel=NotificationChannel.SMS,
        ticket=first.ticket,
        address="+6281200000009",
        body_text="HD P1 escalated",
    )
    batch = [first.pk, sms.pk, late.pk, last.pk, first.pk]
    assert services.notification_deliver_batch(notification_ids=batch) == 2
    rows = Notification.objects.in_bulk(batch)
    assert [(rows[row.pk].status, rows[row.pk].attempts) for row in (first, sms, late, last)] == [
        (NotificationStatus.SENT, 1),
        (NotificationStatus.FAILED, 1),
        (NotificationStatus.PENDING, 0),
        (NotificationStatus.SENT, 1),
    ]
    assert rows[sms.pk].last_error and rows[first.pk].last_error == ""
    assert sorted(message.extra_headers["Message-ID"] for message in mail.outbox) == sorted(
        [rows[first.pk].provider_id, rows[last.pk].provider_id]
    )
    assert all(rows[row.pk].sent_at is not None for row in (first, last))


def test_rows_are_handed_to_workers_in_batches_of_one_channel(settings):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs Redis as the Celery broker")
    settings.HELPDESK_NOTIFICATION_BATCH = 20
    queue = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue.delete("notifications")
    emails = [(pk, NotificationChannel.EMAIL) for pk in range(1, 46)]
    texts = [(pk, NotificationChannel.SMS) for pk in range(100, 103)]
    try:
        with broker_at(settings.CELERY_BROKER_URL):
            assert services.notification_enqueue(emails[:30] + texts + emails[30:]) == 48
        published = [json.loads(raw) for raw in queue.lrange("notifications", 0, -1)]
    finally:
        queue.delete("notifications")
    batches = sorted(json.loads(base64.b64decode(message["body"]))[0][0] for message in published)
    assert batches == [list(range(1, 21)), list(range(21, 41)), list(range(41, 46)), [100, 101, 102]]
    # Logs and monitors show the ids the task was given.
    shown = sorted(message["headers"]["argsrepr"] for message in published)
    assert shown == sorted(repr((batch,)) for batch in batches)


def test_a_second_delivery_of_the_same_row_sends_nothing():
    _ticket, row = pending_ack()
    assert services.notification_deliver(notification_id=row.pk) is True
    assert services.notification_deliver(notification_id=row.pk) is False
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.attempts == 1


def test_a_failed_send_is_recorded_and_retried_later(settings):
    _ticket, row = pending_ack()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    assert services.notification_deliver(notification_id=row.pk) is False
    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at > timezone.now()
    # Not due yet: a redelivered task does nothing.
    assert services.notification_deliver(notification_id=row.pk) is False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert services.notification_deliver(notification_id=row.pk) is True
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (NotificationStatus.SENT, 2, "")


def test_a_row_that_keeps_failing_ends_failed(settings):
    _ticket, row = pending_ack()
    settings.HELPDESK_NOTIFICATION_MAX_ATTEMPTS = 2
    settings.SMS_BACKEND = "notifications.sms.base.BaseSmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    for _attempt in range(2):
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        services.notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.DEAD, 2)


def test_the_sweep_hands_over_rows_left_pending_and_releases_stale_claims():
    _ticket, row = pending_ack()
    # Fresh rows are still being handed over on commit: the sweep leaves them alone.
    assert services.notification_sweep() == 0
    assert mail.outbox == []
    later = timezone.now() + timedelta(minutes=1)
    assert services.notification_sweep(now=later) == 1  # eager Celery delivers at once
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT
    assert len(mail.outbox) == 1


def test_the_sweep_releases_rows_claimed_by_a_worker_that_died(settings):
    _ticket, row = pending_ack()
    long_ago = timezone.now() - timedelta(hours=1)
    Notification.objects.filter(pk=row.pk).update(
        status=NotificationStatus.SENDING, claimed_at=long_ago, created_at=long_ago, attempts=1
    )
    services.notification_sweep()
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT
    assert row.attempts == 2


def test_enqueueing_with_the_broker_away_keeps_the_rows_pending():
    _ticket, row = pending_ack()
    with broker_at("redis://127.0.0.1:1/0"):
        assert services.notification_enqueue([(row.pk, row.channel)]) == 0
    row.refresh_from_db()
    assert row.status == NotificationStatus.PENDING


def test_filing_a_ticket_with_the_broker_away_still_saves_it(django_capture_on_commit_callbacks):
    with broker_at("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):
        ticket, row = pending_ack()
    assert ticket.pk is not None
    row.refresh_from_db()
    assert row.status == NotificationStatus.PENDING


def test_no_email_is_queued_for_a_requester_without_an_address():
    requester = make_requester(email="")
    ticket = ticket_services.ticket_create(requester=requester, subject="x", description="y", urgency="low")
    assert not Notification.objects.filter(ticket=ticket).exists()


def test_notifications_are_written_in_the_recipients_language():
    agent1 = make_agent(1)
    indonesian = make_agent(2, language="id", phone="+6281200000002")
    english = make_agent(2, language="en")
    ticket = TicketFactory(level=1, priority=1)
    ticket_services.ticket_escalate(ticket_id=ticket.pk, by=agent1, reason="butuh akses server")
    mail_id = Notification.objects.get(ticket=ticket, recipient=indonesian, channel="email")
    assert mail_id.subject.startswith(f"[{ticket.reference}] Dieskalasi ke Level II")
    assert "butuh akses server" in mail_id.body_text
    assert "Alasan:" in mail_id.body_text and "Prioritas:" in mail_id.body_text
    assert (
        "dieskalasi ke Level II"
        in Notification.objects.get(ticket=ticket, recipient=indonesian, channel="sms").body_text
    )
    mail_en = Notification.objects.get(ticket=ticket, recipient=english, channel="email")
    assert mail_en.subject.startswith(f"[{ticket.reference}] Escalated to Level II")
    assert "Reason:" in mail_en.body_text


def test_file_sms_backend_writes_one_json_file_per_message(tmp_path):
    backend = get_sms_backend("notifications.sms.filebased.SmsBackend", file_path=tmp_path)
    ids = backend.send_messages([SmsMessage(to="+6281200000001", body="P1 HD-000001")])
    files = list(tmp_path.glob("*.json"))
    assert len(files) == 1
    record = json.loads(files[0].read_text())
    assert record == {**record, "id": ids[0], "to": "+6281200000001", "body": "P1 HD-000001"}


def test_console_sms_backend_prints_the_message(capsys, settings):
    settings.SMS_BACKEND = "notifications.sms.console.SmsBackend"
    message_id = send_sms(to="+6281200000001", body="hello")
    out = capsys.readouterr().out
    assert message_id in out and "+6281200000001" in out and "hello" in out


def test_retries_back_off_exponentially_with_jitter(settings):
    _ticket, row = pending_ack()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    base = settings.HELPDESK_NOTIFICATION_RETRY_AFTER.total_seconds()
    waits = []
    for _attempt in range(3):
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        services.notification_deliver(notification_id=row.pk)
        row.refresh_from_db()
        waits.append((row.next_attempt_at - before).total_seconds())
    for attempt, wait in enumerate(waits):
        expected = base * 2**attempt
        assert 0.8 * expected - 1 <= wait <= 1.2 * expected + 1, (attempt, wait)
    assert row.status == NotificationStatus.FAILED


def test_the_sweep_hands_over_failed_rows_once_their_back_off_is_over(settings):
    _ticket, row = pending_ack()
    Notification.objects.filter(pk=row.pk).update(
        status=NotificationStatus.FAILED, attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert services.notification_sweep() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 2)
