"""The notification outbox: rows written with the ticket change, delivered by workers."""

import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tickets.choices import Priority

from ..choices import (
    NotificationChannel,
    NotificationKind,
    SlaThreshold,
)
from ..models import Notification, SlaEvent
from ..selectors import level_agents, level_supervisors
from .delivery import notification_enqueue

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
