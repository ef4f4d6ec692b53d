"""Delivery of outbox rows: pending -> sending -> sent | failed -> dead."""

import logging
import random
import re
import secrets
import smtplib
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.policy import Compat32
from email.utils import parseaddr
from functools import cache, lru_cache, partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.core.mail.utils import DNS_NAME
from django.db import connection, transaction
from django.utils import timezone

from helpdesk.rows import model_from_row
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


def notification_enqueue(rows: Iterable[tuple[int, str]]) -> int:
    """Hand outbox rows, given as (id, channel) pairs, to Celery: one task per channel and
    up to ``HELPDESK_NOTIFICATION_BATCH`` rows, so a burst pays the broker's and the
    worker's overhead once a batch instead of once a message, and a channel whose service
    is slow or away never holds up another channel's messages. A broker that is away
    leaves the rest pending for the sweep; the change that queued them has already
    committed and is never undone. Returns how many rows were handed over."""
    from ..tasks import notification_send

    by_channel: dict[str, list[int]] = {}
    for notification_id, channel in rows:
        by_channel.setdefault(channel, []).append(notification_id)
    size = max(1, settings.HELPDESK_NOTIFICATION_BATCH)
    batches = [ids[start : start + size] for ids in by_channel.values() for start in range(0, len(ids), size)]
    for handed, batch in enumerate(batches):
        try:
            # The arguments as logs and monitors show them: plain repr() of a list of ids
            # costs a fraction of Celery's safe repr, a fifth of a publish's CPU time.
            notification_send.apply_async((batch,), argsrepr=repr((batch,)), kwargsrepr="{}")
        except Exception:  # the broker is away: the sweep will hand these over later
            left = [notification_id for rest in batches[handed:] for notification_id in rest]
            shown = ", ".join(map(str, left[:20])) + (", …" if len(left) > 20 else "")
            logger.warning("Broker unavailable; notifications %s stay pending for the sweep", shown)
            return sum(map(len, batches[:handed]))
    return sum(map(len, batches))


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


@lru_cache(maxsize=1024)
def _envelope_address(address: str, encoding: str) -> str:
    """Django's ``sanitize_address``, remembered: parsing the addresses takes a tenth of
    a message's CPU time, and a worker mails the same few people over and over."""
    return sanitize_address(address, encoding)


def _smtp_transmit(backend: SmtpBackend, message: EmailMultiAlternatives) -> None:
    """What Django's SMTP backend does with a message on its open connection (``_send``),
    with each envelope address parsed once."""
    encoding = message.encoding or settings.DEFAULT_CHARSET
    recipients = [_envelope_address(address, encoding) for address in message.recipients()]
    if not recipients:
        return
    session = backend.connection
    if session is None:  # closed meanwhile: the caller opens a new one
        raise smtplib.SMTPServerDisconnected("The SMTP session is closed.")
    session.sendmail(
        _envelope_address(message.from_email, encoding), recipients, message.message().as_bytes(linesep="\r\n")
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
        _smtp_transmit(backend, message)
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


# A header value of printable ASCII words separated by single spaces, as nearly all of a
# notification's are: short enough, it needs neither encoding nor folding.
_PLAIN_HEADER = re.compile(r"[!-~]+(?: [!-~]+)*")


class _HeaderPolicy(Compat32):
    """The policy Django's email messages use (compat32), with a shortcut for plain
    header values that fit on their line: written as they are, which is byte for byte
    what compat32's folding through ``email.header.Header`` makes of them, at a tenth of
    the CPU time (that folding is most of the time it takes to generate a message)."""

    def fold_binary(self, name, value):
        if (
            isinstance(value, str)
            and len(name) + 2 + len(value) <= (self.max_line_length or 0)
            and _PLAIN_HEADER.fullmatch(value)
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_HEADER_POLICY = _HeaderPolicy()


class _Email(EmailMultiAlternatives):
    """A notification email, generated with less CPU than Django's default: the plain
    header shortcut above, and a MIME boundary of 128 random bits, which no body can
    contain by chance or design, so the generator need not search the body for it (a
    regular expression compiled afresh for every message otherwise)."""

    def message(self, *args, **kwargs):
        mime = super().message(*args, **kwargs)
        mime.policy = _HEADER_POLICY
        if mime.is_multipart():
            mime.set_boundary(f"=_helpdesk_{secrets.token_hex(16)}")
        return mime


def _deliver(notification: Notification) -> str:
    if notification.channel == NotificationChannel.SMS:
        return send_sms(to=notification.address, body=notification.body_text, reference=notification.delivery_key)
    if notification.channel == NotificationChannel.WEBHOOK:
        return _webhook_deliver(notification)
    message = _Email(
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


@dataclass(frozen=True)
class _Sent:
    """A message that went out and is still to be recorded as sent."""

    notification_id: int
    provider_id: str
    sent_at: datetime


def _table() -> str:
    return connection.ops.quote_name(Notification._meta.db_table)


@cache
def _claim_sql(vendor: str, *, after_sent: bool) -> str:
    """Claim one due row and return it (UPDATE … RETURNING). ``after_sent`` (PostgreSQL):
    the same statement first records the previous message as sent, in a data-modifying
    WITH, so a delivery costs the worker one round trip and one commit."""
    columns = ", ".join(connection.ops.quote_name(field.column) for field in Notification._meta.concrete_fields)
    due = ", ".join(["%s"] * len(NOTIFICATION_DUE_STATES))
    claim = (
        f"UPDATE {_table()} SET status = %s, claimed_at = %s, attempts = attempts + 1"  # noqa: S608 (model table and columns)
        f" WHERE id = %s AND status IN ({due}) AND next_attempt_at <= %s RETURNING {columns}"
    )
    return f"WITH sent AS ({_sent_sql(vendor)}) {claim}" if after_sent else claim


@cache
def _sent_sql(vendor: str) -> str:
    return (
        f"UPDATE {_table()} SET status = %s, sent_at = %s, provider_id = %s, last_error = ''"  # noqa: S608 (model table)
        " WHERE id = %s AND status = %s"
    )


def _sent_params(sent: _Sent) -> list:
    return [
        NotificationStatus.SENT.value,
        connection.ops.adapt_datetimefield_value(sent.sent_at),
        sent.provider_id[:255],
        sent.notification_id,
        NotificationStatus.SENDING.value,
    ]


def _record_sent(sent: _Sent) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_sent_sql(connection.vendor), _sent_params(sent))


def _claim(notification_id: int, *, after: _Sent | None = None) -> Notification | None:
    """Record ``after`` as sent, then claim the row and read it. The claim decides who
    sends: a second worker, or a redelivered task, finds nothing to claim."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    due = [status.value for status in NOTIFICATION_DUE_STATES]
    params = [NotificationStatus.SENDING.value, now, notification_id, *due, now]
    if after is not None and connection.vendor == "postgresql":
        sql, params = _claim_sql(connection.vendor, after_sent=True), _sent_params(after) + params
    else:
        if after is not None:
            _record_sent(after)
        sql = _claim_sql(connection.vendor, after_sent=False)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return model_from_row(Notification, row)


def _attempt(notification: Notification) -> _Sent | None:
    """Send a claimed notification. Returns what is to be recorded when it went out; a
    failure is recorded at once: it waits an exponentially growing, jittered back-off,
    and after the last attempt the row is dead-lettered."""
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
        Notification.objects.filter(pk=notification.pk, status=NotificationStatus.SENDING).update(
            status=NotificationStatus.DEAD if gave_up else NotificationStatus.FAILED,
            next_attempt_at=timezone.now() + delay,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning("Notification %s failed (attempt %s): %s", notification.pk, notification.attempts, exc)
        return None
    return _Sent(notification.pk, provider_id or "", timezone.now())


def notification_deliver_batch(*, notification_ids: Iterable[int]) -> int:
    """Send each due notification of a batch (pending, or failed and past its back-off),
    one after the other, each claimed with a conditional UPDATE. A message that went out
    is recorded as sent by the statement that claims the next row (on PostgreSQL), so a
    delivery costs one statement: the record is no later than it would be on its own,
    as the worker goes straight from one to the other. A worker killed in the middle
    leaves only the row it was sending in doubt, and the rows it had not reached pending
    for the redelivered task or the sweep. One row's failure does not stop the others.
    Returns how many were sent."""
    sent = 0
    unrecorded: _Sent | None = None
    try:
        for notification_id in notification_ids:
            notification = _claim(notification_id, after=unrecorded)
            unrecorded = None
            if notification is not None:
                unrecorded = _attempt(notification)
                sent += unrecorded is not None
    finally:
        if unrecorded is not None:
            _record_sent(unrecorded)
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
