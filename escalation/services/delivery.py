"""Delivery of outbox rows: pending -> sending -> sent | failed -> dead."""

import logging
import random
from collections.abc import Iterable
from email.utils import parseaddr
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..choices import NOTIFICATION_DUE_STATES, NotificationChannel, NotificationStatus
from ..models import Notification
from ..sms import send_sms

logger = logging.getLogger(__name__)


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


def _deliver(notification: Notification) -> str:
    if notification.channel == NotificationChannel.SMS:
        return send_sms(to=notification.address, body=notification.body_text, reference=notification.delivery_key)
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.address],
        connection=get_connection(fail_silently=False),
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    message_id = f"<{notification.delivery_key}@{_mail_domain()}>"
    message.extra_headers.update({"Message-ID": message_id, "X-Helpdesk-Ticket": notification.ticket.reference})
    message.send()
    return message_id


def notification_deliver(*, notification_id: int) -> bool:
    """Send one due notification (pending, or failed and past its back-off). The row is
    claimed with a conditional UPDATE, so a second worker (or a redelivered task) finds
    nothing to do. A failure waits an exponentially growing, jittered back-off; after the
    last attempt the row is dead-lettered. Returns True if sent."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status__in=NOTIFICATION_DUE_STATES, next_attempt_at__lte=now
    ).update(status=NotificationStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return False
    notification = Notification.objects.select_related("ticket").get(pk=notification_id)
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
