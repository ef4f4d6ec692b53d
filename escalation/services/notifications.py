"""The notification outbox: rows written with the ticket change, delivered by workers."""

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
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tickets.choices import Priority

from ..choices import (
    NOTIFICATION_DUE_STATES,
    NotificationChannel,
    NotificationKind,
    NotificationStatus,
    SlaThreshold,
)
from ..models import Notification, SlaEvent
from ..selectors import level_agents, level_supervisors
from ..sms import send_sms

logger = logging.getLogger(__name__)

REQUESTER_KINDS = {NotificationKind.TICKET_CREATED, NotificationKind.REPLY, NotificationKind.RESOLVED}
LEVEL_KINDS = {NotificationKind.ESCALATED, NotificationKind.DE_ESCALATED}
ASSIGNEE_KINDS = {NotificationKind.REQUESTER_REPLIED, NotificationKind.REOPENED}
SLA_KINDS = {NotificationKind.SLA_WARNING, NotificationKind.SLA_BREACH}
# Breaches of these priorities are also sent by SMS.
SMS_BREACH_PRIORITIES = {Priority.P1, Priority.P2}
# SLA events handed to one notification task.
SLA_NOTIFY_CHUNK = 200


def _render(*, kind: str, channel: str, ticket, recipient, context: dict) -> dict[str, str]:
    full_context = {
        "ticket": ticket,
        "recipient": recipient,
        "ticket_url": settings.HELPDESK_BASE_URL + ticket.get_absolute_url(),
        **context,
    }
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        if channel == NotificationChannel.SMS:
            return {"subject": "", "body_text": render_to_string(f"sms/{kind}.txt", full_context).strip()}
        subject = render_to_string(f"emails/{kind}_subject.txt", full_context)
        return {
            "subject": " ".join(subject.split())[:255],
            "body_text": render_to_string(f"emails/{kind}_body.txt", full_context).strip() + "\n",
            "body_html": render_to_string(f"emails/{kind}_body.html", full_context),
        }


def notification_queue(*, kind: str, ticket, actor=None, context: dict | None = None) -> list[Notification]:
    """Write the outbox rows a ticket change calls for, in the caller's transaction, and
    hand them to Celery once it commits. Recipients follow the kind:

    - ticket created, reply, resolved: the requester, by email;
    - escalated, sent back down: the agents of the ticket's (new) level by email, and by
      SMS too for a P1 escalation;
    - requester replied, reopened: the assignee, by email (nobody while unassigned: the
      ticket is in its level's unassigned queue);
    - SLA warning: the assignee, or the level's agents while unassigned, by email;
    - SLA breach: the same people and the level's supervisors, by email, and by SMS too
      for P1 and P2.
    """
    context = context or {}
    rows: list[Notification] = []

    def add(channel: str, recipient, address: str) -> None:
        rendered = _render(kind=kind, channel=channel, ticket=ticket, recipient=recipient, context=context)
        rows.append(
            Notification(kind=kind, channel=channel, ticket=ticket, recipient=recipient, address=address, **rendered)
        )

    if kind in REQUESTER_KINDS:
        if ticket.requester.email:
            add(NotificationChannel.EMAIL, ticket.requester, ticket.requester.email)
    elif kind in LEVEL_KINDS:
        agents = level_agents(level=ticket.level)
        if actor is not None:
            agents = agents.exclude(pk=actor.pk)
        for agent in agents:
            if agent.email:
                add(NotificationChannel.EMAIL, agent, agent.email)
            if kind == NotificationKind.ESCALATED and ticket.priority == Priority.P1 and agent.phone:
                add(NotificationChannel.SMS, agent, agent.phone)
    elif kind in ASSIGNEE_KINDS:
        assignee = ticket.assignee
        if assignee is not None and assignee.email and (actor is None or assignee.pk != actor.pk):
            add(NotificationChannel.EMAIL, assignee, assignee.email)
    elif kind in SLA_KINDS:
        people = [ticket.assignee] if ticket.assignee is not None else list(level_agents(level=ticket.level))
        if kind == NotificationKind.SLA_BREACH:
            people += [p for p in level_supervisors(level=ticket.level) if p not in people]
        for person in people:
            if person.email:
                add(NotificationChannel.EMAIL, person, person.email)
            if kind == NotificationKind.SLA_BREACH and ticket.priority in SMS_BREACH_PRIORITIES and person.phone:
                add(NotificationChannel.SMS, person, person.phone)
    elif kind == NotificationKind.SUPERVISOR_PAGE:
        for person in level_supervisors(level=ticket.level):
            if person.email:
                add(NotificationChannel.EMAIL, person, person.email)
            if person.phone:
                add(NotificationChannel.SMS, person, person.phone)
    else:  # pragma: no cover - a new kind without routing is a programming error
        raise ValueError(f"No routing for notification kind {kind!r}")

    if rows:
        Notification.objects.bulk_create(rows)
        transaction.on_commit(partial(notification_enqueue, [row.pk for row in rows]))
    return rows


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
        delay = settings.HELPDESK_NOTIFICATION_RETRY_AFTER * (2 ** (notification.attempts - 1))
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


def sla_notifications_enqueue(event_ids: list[int]) -> None:
    """Hand newly recorded SLA events to workers in chunks (rendering mail is the slow
    part, so the sweep itself stays short). A broker that is away loses nothing: the
    events stay un-notified and the next sweep hands them over again."""
    from ..tasks import sla_notify

    for start in range(0, len(event_ids), SLA_NOTIFY_CHUNK):
        try:
            sla_notify.delay(event_ids[start : start + SLA_NOTIFY_CHUNK])
        except Exception:
            logger.warning("Broker unavailable; SLA events stay un-notified for the next sweep")
            return


def _ladders_apply_sla_event(*, event) -> int:
    from .ladders import ladders_apply_sla_event

    return ladders_apply_sla_event(event=event)


def sla_notifications_queue(*, event_ids: list[int]) -> int:
    """Write the outbox rows for SLA events not yet notified, and fire the escalation
    rules they trigger; each event is claimed with a conditional UPDATE, so a repeated
    task never notifies or escalates twice."""
    events = list(
        SlaEvent.objects.filter(pk__in=event_ids, notified_at__isnull=True)
        .select_related("ticket", "ticket__assignee", "ticket__requester")
        .order_by("id")
    )
    queued = 0
    for event in events:
        with transaction.atomic():
            claimed = SlaEvent.objects.filter(pk=event.pk, notified_at__isnull=True).update(notified_at=timezone.now())
            if not claimed:
                continue
            kind = (
                NotificationKind.SLA_BREACH
                if event.threshold == SlaThreshold.BREACHED
                else NotificationKind.SLA_WARNING
            )
            notification_queue(kind=kind, ticket=event.ticket, context={"event": event})
            _ladders_apply_sla_event(event=event)
            queued += 1
    return queued


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
