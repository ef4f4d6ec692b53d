"""Delivery of outbox rows: pending -> sending -> sent | failed -> dead."""

import logging
import random
import smtplib
import threading
import time
from collections.abc import Iterable
from email.utils import parseaddr
from functools import cache, partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.utils import DNS_NAME
from django.db import connection, transaction
from django.utils import timezone

from tickets.models import reference_for

from ..choices import NOTIFICATION_DUE_STATES, NotificationChannel, NotificationStatus
from ..exceptions import NotificationError
from ..models import Notification, WebhookEndpoint
from ..sms import send_sms
from ..webhooks import webhook_send

logger = logging.getLogger(__name__)

# A worker thread keeps its SMTP session open between messages, so a burst of mail pays
# one connection (and TLS handshake and login) per hundred messages instead of one each.
# Relays drop idle sessions and some cap the messages per session, hence both limits.
SMTP_IDLE_SECONDS = 30.0
SMTP_MESSAGES_PER_SESSION = 100


def notification_enqueue(notification_ids: Iterable[int]) -> int:
    """Hand outbox rows to Celery. A broker that is away leaves them pending for the
    sweep; the change that queued them has already committed and is never undone."""
    from ..tasks import notification_send

    sent = 0
    for notification_id in notification_ids:
        try:
            notification_send.delay(notification_id)
        except Exception:  # the broker is away: the sweep will hand these over later
            logger.warning("Broker unavailable; notification %s stays pending for the sweep", notification_id)
            break
        sent += 1
    return sent


def _mail_domain() -> str:
    """The domain of the sender address (the same on every worker host), else the host's."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return address.rpartition("@")[2] or str(DNS_NAME)


class _SmtpSession(threading.local):
    """This thread's open SMTP connection (threads do not share one: smtplib is not
    thread-safe), with what it was opened for and how much it has been used."""

    backend: SmtpBackend | None = None
    settings_key: tuple = ()
    last_used = 0.0
    sent = 0

    def close(self) -> None:
        backend, self.backend = self.backend, None
        if backend is not None:
            try:
                backend.close()
            except Exception:  # a session that is already broken has nothing left to close
                logger.debug("Closing a broken SMTP session failed", exc_info=True)


_smtp_session = _SmtpSession()


def _smtp_settings_key() -> tuple:
    return (
        settings.EMAIL_BACKEND,
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_HOST_USER,
        settings.EMAIL_USE_TLS,
        settings.EMAIL_USE_SSL,
    )


def _email_send(message: EmailMultiAlternatives) -> None:
    """Send through this thread's SMTP session when the email backend is SMTP (opening or
    renewing it as needed), else through a connection of its own as Django does. A kept
    session the relay has dropped meanwhile (idle too long, relay restarted) is replaced
    once, at once, instead of costing the notification an attempt; should the relay have
    taken the message before it hung up, the copy carries the same Message-ID."""
    session = _smtp_session
    key = _smtp_settings_key()
    if session.backend is not None and (
        session.settings_key != key
        or time.monotonic() - session.last_used > SMTP_IDLE_SECONDS
        or session.sent >= SMTP_MESSAGES_PER_SESSION
    ):
        session.close()
    backend = session.backend
    reused = backend is not None
    if backend is None:
        fresh = get_connection(fail_silently=False)
        if not isinstance(fresh, SmtpBackend):  # files, console, memory: nothing worth keeping open
            fresh.send_messages([message])
            return
        fresh.open()
        backend = session.backend = fresh
        session.settings_key, session.sent = key, 0
    try:
        backend.send_messages([message])
    except smtplib.SMTPServerDisconnected:
        session.close()
        if not reused:
            raise
        _email_send(message)
        return
    except Exception:
        session.close()  # the session's state is unknown after any other failure
        raise
    session.sent += 1
    session.last_used = time.monotonic()


def _deliver(notification: Notification) -> str:
    if notification.channel == NotificationChannel.SMS:
        return send_sms(to=notification.address, body=notification.body_text, reference=notification.delivery_key)
    if notification.channel == NotificationChannel.WEBHOOK:
        return _webhook_deliver(notification)
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.address],
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    message_id = f"<{notification.delivery_key}@{_mail_domain()}>"
    message.extra_headers.update({"Message-ID": message_id, "X-Helpdesk-Ticket": reference_for(notification.ticket_id)})
    _email_send(message)
    return message_id


def _webhook_deliver(notification: Notification) -> str:
    """POST the stored body to the endpoint as it is now (an administrator may have fixed
    its address since), signed with its secret."""
    endpoint = None
    if notification.webhook_id is not None:
        endpoint = WebhookEndpoint.objects.filter(pk=notification.webhook_id, is_active=True).first()
    if endpoint is None:
        raise NotificationError("The webhook endpoint was removed or switched off.")
    return webhook_send(
        url=endpoint.url,
        secret=endpoint.secret,
        event=notification.subject,
        delivery=notification.delivery_key,
        body=notification.body_text,
    )


@cache
def _claim_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in Notification._meta.concrete_fields)
    due = ", ".join(["%s"] * len(NOTIFICATION_DUE_STATES))
    return (
        f"UPDATE {quote(Notification._meta.db_table)} SET status = %s, claimed_at = %s, attempts = attempts + 1"  # noqa: S608 (model table and columns)
        f" WHERE id = %s AND status IN ({due}) AND next_attempt_at <= %s RETURNING {columns}"
    )


def _claim(notification_id: int, now) -> Notification | None:
    """Claim one due row and read it, in one statement (UPDATE … RETURNING): the claim
    decides who sends, and a delivery then needs only one more statement, its outcome."""
    due = [status.value for status in NOTIFICATION_DUE_STATES]
    params = [NotificationStatus.SENDING.value, now, notification_id, *due, now]
    # A raw query set converts the returned columns as the ORM would (dates on SQLite).
    return next(iter(Notification.objects.raw(_claim_sql(connection.vendor), params)), None)


def notification_deliver(*, notification_id: int) -> bool:
    """Send one due notification (pending, or failed and past its back-off). The row is
    claimed with a conditional UPDATE, so a second worker (or a redelivered task) finds
    nothing to do. A failure waits an exponentially growing, jittered back-off; after the
    last attempt the row is dead-lettered. Returns True if sent."""
    notification = _claim(notification_id, timezone.now())
    if notification is None:
        return False
    try:
        provider_id = _deliver(notification)
    except Exception as exc:  # any failure of the outside service is recorded on the row
        gave_up = notification.attempts >= settings.HELPDESK_NOTIFICATION_MAX_ATTEMPTS
        # Jitter spreads the retries of a burst that failed together.
        delay = min(
            settings.HELPDESK_NOTIFICATION_RETRY_AFTER * (2 ** (notification.attempts - 1)),
            settings.HELPDESK_NOTIFICATION_RETRY_MAX,
        )
        delay *= random.uniform(0.8, 1.2)  # noqa: S311 - timing jitter, not security
        Notification.objects.filter(pk=notification_id, status=NotificationStatus.SENDING).update(
            status=NotificationStatus.DEAD if gave_up else NotificationStatus.FAILED,
            next_attempt_at=timezone.now() + delay,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning("Notification %s failed (attempt %s): %s", notification_id, notification.attempts, exc)
        return False
    Notification.objects.filter(pk=notification_id, status=NotificationStatus.SENDING).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), provider_id=(provider_id or "")[:255], last_error=""
    )
    return True


def notification_sweep(*, now=None, batch: int = 1000) -> int:
    """Hand over rows that never reached a worker (broker away, lost message) or are due
    for another attempt, and release claims held too long by a worker that died.
    Set-based: two UPDATE/SELECTs over indexed columns, whatever the backlog."""
    now = now or timezone.now()
    Notification.objects.filter(
        status=NotificationStatus.SENDING, claimed_at__lt=now - settings.HELPDESK_NOTIFICATION_CLAIM_TIMEOUT
    ).update(status=NotificationStatus.PENDING, next_attempt_at=now)
    # Rows created in the last few seconds are still being handed over on commit.
    due_ids = list(
        Notification.objects.filter(status__in=NOTIFICATION_DUE_STATES, next_attempt_at__lte=now)
        .exclude(attempts=0, created_at__gt=now - settings.HELPDESK_NOTIFICATION_RETRY_AFTER)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    return notification_enqueue(due_ids)


def notification_retry(*, notification_id: int) -> bool:
    """Send a dead-lettered (or still failing) notification again, now (a supervisor's
    decision): back to pending, handed to a worker after commit. Returns False if it was
    neither."""
    with transaction.atomic():
        moved = Notification.objects.filter(
            pk=notification_id, status__in=[NotificationStatus.DEAD, NotificationStatus.FAILED]
        ).update(status=NotificationStatus.PENDING, next_attempt_at=timezone.now())
        if moved:
            transaction.on_commit(partial(notification_enqueue, [notification_id]))
    return bool(moved)
