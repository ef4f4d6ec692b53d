"""Delivery of outbox rows: pending -> sending -> sent | failed -> dead."""

import logging
import random
from collections.abc import Iterable
from email.utils import parseaddr
from functools import cache, partial

from celery import signature
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.utils import DNS_NAME
from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

from ..choices import NOTIFICATION_DUE_STATES, NotificationChannel, NotificationStatus
from ..exceptions import NotificationError
from ..models import Notification, WebhookEndpoint
from ..sms import SmsMessage, get_sms_backend
from ..sms.base import BaseSmsBackend
from ..webhooks import webhook_send

logger = logging.getLogger(__name__)

# The task that delivers a batch (notifications/tasks.py). The name predates this app and
# stays, so messages queued before an upgrade are still understood.
NOTIFICATION_SEND_TASK = "escalation.tasks.notification_send"


def notification_enqueue(rows: Iterable[tuple[int, str]]) -> int:
    """Hand outbox rows, given as (id, channel) pairs, to Celery: one task per channel and
    up to ``HELPDESK_NOTIFICATION_BATCH`` rows, so a burst pays the broker's and the
    worker's overhead once a batch instead of once a message, and a channel whose service
    is slow or away never holds up another channel's messages. A broker that is away
    leaves the rest pending for the sweep; the change that queued them has already
    committed and is never undone. Returns how many rows were handed over."""
    by_channel: dict[str, list[int]] = {}
    for notification_id, channel in rows:
        by_channel.setdefault(channel, []).append(notification_id)
    size = max(1, settings.HELPDESK_NOTIFICATION_BATCH)
    batches = [ids[start : start + size] for ids in by_channel.values() for start in range(0, len(ids), size)]
    for handed, batch in enumerate(batches):
        try:
            signature(NOTIFICATION_SEND_TASK, args=(batch,)).apply_async()
        except Exception:  # the broker is away: the sweep will hand these over later
            left = [notification_id for rest in batches[handed:] for notification_id in rest]
            shown = ", ".join(map(str, left[:20])) + (", …" if len(left) > 20 else "")
            logger.warning("Broker unavailable; notifications %s stay pending for the sweep", shown)
            return sum(map(len, batches[:handed]))
    return sum(map(len, batches))


# Every mail the helpdesk sends is written by a machine: RFC 3834's header (and Exchange's
# own) ask auto-responders, out-of-office replies and the like not to answer it, so two
# robots never keep one another busy (the inbound side also drops what answers anyway).
MACHINE_MAIL_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


def _mail_domain() -> str:
    """The domain of the sender address (the same on every worker host), else the host's."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return address.rpartition("@")[2] or str(DNS_NAME)


class _Channels:
    """The connections one batch sends through: an email connection and an SMS backend,
    each opened at its first message and closed with the batch. A connection that failed
    is closed and opened again for the next message."""

    def __init__(self) -> None:
        self.mail: BaseEmailBackend | None = None
        self.sms: BaseSmsBackend | None = None

    def send(self, notification: Notification) -> str:
        if notification.channel == NotificationChannel.SMS:
            return self._sms(notification)
        if notification.channel == NotificationChannel.WEBHOOK:
            return _webhook_deliver(notification)
        return self._email(notification)

    def _email(self, notification: Notification) -> str:
        message_id = f"<{notification.delivery_key}@{_mail_domain()}>"
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=notification.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.address],
            headers={**MACHINE_MAIL_HEADERS, **(notification.headers or {}), "Message-ID": message_id},
        )
        if notification.body_html:
            message.attach_alternative(notification.body_html, "text/html")
        mail = self.mail = self.mail or get_connection(fail_silently=False)
        try:
            mail.open()
            mail.send_messages([message])
        except Exception:
            self._close_mail()  # the session's state is unknown after a failure
            raise
        return message_id

    def _sms(self, notification: Notification) -> str:
        if self.sms is None:
            self.sms = get_sms_backend()
            self.sms.open()
        sms = self.sms
        message = SmsMessage(to=notification.address, body=notification.body_text, reference=notification.delivery_key)
        try:
            return sms.send_messages([message])[0]
        except Exception:
            self._close_sms()
            raise

    def _close_mail(self) -> None:
        mail, self.mail = self.mail, None
        if mail is not None:
            try:
                mail.close()
            except Exception:  # a session that is already broken has nothing left to close
                logger.debug("Closing a broken SMTP session failed", exc_info=True)

    def _close_sms(self) -> None:
        sms, self.sms = self.sms, None
        if sms is not None:
            sms.close()

    def close(self) -> None:
        self._close_mail()
        self._close_sms()


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


def _column(name: str) -> str:
    field = Notification._meta.get_field(name)
    assert isinstance(field, Field)  # noqa: S101 - a concrete column of the outbox
    return connection.ops.quote_name(field.column)


@cache
def _claim_sql(vendor: str, *, after_sent: bool) -> str:
    """Claim one due row (conditional UPDATE … RETURNING its attempts). ``after_sent``
    (PostgreSQL): the same statement first records the previous message as sent, in a
    data-modifying WITH, so a delivery costs the worker one statement and one commit."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    status, attempts, pk = _column("status"), _column("attempts"), _column("id")
    due = ", ".join(["%s"] * len(NOTIFICATION_DUE_STATES))
    claim = (
        f"UPDATE {table} SET {status} = %s, {_column('claimed_at')} = %s, {attempts} = {attempts} + 1"  # noqa: S608 (model table and columns)
        f" WHERE {pk} = %s AND {status} IN ({due}) AND {_column('next_attempt_at')} <= %s RETURNING {attempts}"
    )
    if not after_sent:
        return claim
    sent = (
        f"UPDATE {table} SET {status} = %s, {_column('sent_at')} = %s, {_column('provider_id')} = %s,"  # noqa: S608 (model table and columns)
        f" {_column('last_error')} = '' WHERE {pk} = %s AND {status} = %s"
    )
    return f"WITH sent AS ({sent}) {claim}"


def _claim(notification: Notification, *, after: tuple[Notification, str] | None = None) -> bool:
    """Record ``after`` (a message that went out) as sent, then claim this row with a
    conditional UPDATE: a second worker, or a redelivered task, finds nothing to claim.
    The instance follows what the claim wrote."""
    now = timezone.now()
    moment = connection.ops.adapt_datetimefield_value(now)
    params = [NotificationStatus.SENDING.value, moment, notification.pk, *NOTIFICATION_DUE_STATES, moment]
    if after is not None and connection.vendor == "postgresql":
        sent, provider_id = after
        params = [NotificationStatus.SENT.value, moment, provider_id[:255], sent.pk, NotificationStatus.SENDING.value]
        params += [NotificationStatus.SENDING.value, moment, notification.pk, *NOTIFICATION_DUE_STATES, moment]
        sql = _claim_sql(connection.vendor, after_sent=True)
    else:
        if after is not None:
            _record_sent(*after)
        sql = _claim_sql(connection.vendor, after_sent=False)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    notification.status, notification.claimed_at, notification.attempts = NotificationStatus.SENDING, now, row[0]
    return True


def _record_failure(notification: Notification, exc: Exception) -> None:
    """A failed send waits an exponentially growing, jittered back-off; after the last
    attempt the row is dead-lettered."""
    attempts = (
        Notification.objects.filter(pk=notification.pk).values_list("attempts", flat=True).first()
        or notification.attempts
    )
    gave_up = attempts >= settings.HELPDESK_NOTIFICATION_MAX_ATTEMPTS
    delay = min(
        settings.HELPDESK_NOTIFICATION_RETRY_AFTER * (2 ** (attempts - 1)),
        settings.HELPDESK_NOTIFICATION_RETRY_MAX,
    )
    delay *= random.uniform(0.8, 1.2)  # noqa: S311 - jitter spreads the retries of a burst that failed together
    Notification.objects.filter(pk=notification.pk, status=NotificationStatus.SENDING).update(
        status=NotificationStatus.DEAD if gave_up else NotificationStatus.FAILED,
        next_attempt_at=timezone.now() + delay,
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )
    logger.warning("Notification %s failed (attempt %s): %s", notification.pk, attempts, exc)


def _record_sent(notification: Notification, provider_id: str) -> None:
    Notification.objects.filter(pk=notification.pk, status=NotificationStatus.SENDING).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), provider_id=(provider_id or "")[:255], last_error=""
    )


def notification_deliver_batch(*, notification_ids: Iterable[int]) -> int:
    """Send each due notification of a batch (pending, or failed and past its back-off),
    one after the other through the batch's connections. Each row is claimed with a
    conditional UPDATE just before it is sent; that a message went out is recorded by the
    statement that claims the next row (on PostgreSQL), no later than it would be on its
    own, as the worker goes straight from one to the other. A worker killed in the middle
    leaves only the row it was sending in doubt, and the rows it had not reached pending
    for the redelivered task or the sweep. One row's failure does not stop the others.
    Returns how many were sent."""
    ids = list(notification_ids)
    due = Notification.objects.filter(
        pk__in=ids, status__in=NOTIFICATION_DUE_STATES, next_attempt_at__lte=timezone.now()
    ).in_bulk()
    sent = 0
    unrecorded: tuple[Notification, str] | None = None
    channels = _Channels()
    try:
        for notification_id in ids:
            notification = due.get(notification_id)
            if notification is None:
                continue
            claimed = _claim(notification, after=unrecorded)
            unrecorded = None
            if not claimed:
                continue
            try:
                provider_id = channels.send(notification)
            except Exception as exc:  # any failure of the outside service is recorded on the row
                _record_failure(notification, exc)
                continue
            unrecorded = (notification, provider_id or "")
            sent += 1
    finally:
        if unrecorded is not None:
            _record_sent(*unrecorded)
        channels.close()
    return sent


def notification_deliver(*, notification_id: int) -> bool:
    """Send one due notification (see ``notification_deliver_batch``). Returns True if sent."""
    return notification_deliver_batch(notification_ids=[notification_id]) == 1


def notification_sweep(*, now=None, batch: int = 1000) -> int:
    """Hand over rows that never reached a worker (broker away, lost message) or are due
    for another attempt, and release claims held too long by a worker that died.
    Set-based: two UPDATE/SELECTs over indexed columns, whatever the backlog."""
    now = now or timezone.now()
    Notification.objects.filter(
        status=NotificationStatus.SENDING, claimed_at__lt=now - settings.HELPDESK_NOTIFICATION_CLAIM_TIMEOUT
    ).update(status=NotificationStatus.PENDING, next_attempt_at=now)
    # Rows created in the last few seconds are still being handed over on commit.
    due = list(
        Notification.objects.filter(status__in=NOTIFICATION_DUE_STATES, next_attempt_at__lte=now)
        .exclude(attempts=0, created_at__gt=now - settings.HELPDESK_NOTIFICATION_RETRY_AFTER)
        .order_by("next_attempt_at")
        .values_list("pk", "channel")[:batch]
    )
    return notification_enqueue(due)


def notification_retry(*, notification_id: int) -> bool:
    """Send a dead-lettered (or still failing) notification again, now (a supervisor's
    decision): back to pending, handed to a worker after commit. Returns False if it was
    neither."""
    with transaction.atomic():
        moved = Notification.objects.filter(
            pk=notification_id, status__in=[NotificationStatus.DEAD, NotificationStatus.FAILED]
        ).update(status=NotificationStatus.PENDING, next_attempt_at=timezone.now())
        if moved:
            # One row: its channel does not matter for the batching.
            transaction.on_commit(partial(notification_enqueue, [(notification_id, "")]))
    return bool(moved)
