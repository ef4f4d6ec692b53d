"""The notification outbox: rows written with the ticket change, delivered by workers."""

import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tickets.choices import Priority

from ..caching import config_cached
from ..choices import (
    REQUESTER_KINDS,
    WEBHOOK_EVENTS,
    NotificationChannel,
    NotificationKind,
    SlaThreshold,
)
from ..models import Notification, NotificationPreference, SlaEvent, WebhookEndpoint
from ..selectors import level_agents, level_supervisors, notification_preferences_of
from ..sms.text import sms_fit
from ..webhooks import webhook_payload
from .delivery import notification_enqueue

logger = logging.getLogger(__name__)

WEBHOOK_EVENT_FOR_KIND: dict[str, str] = {str(kind): event for event, kind in WEBHOOK_EVENTS.items()}

LEVEL_KINDS = {NotificationKind.ESCALATED, NotificationKind.DE_ESCALATED}
ASSIGNEE_KINDS = {NotificationKind.REQUESTER_REPLIED, NotificationKind.REOPENED}
SLA_KINDS = {NotificationKind.SLA_WARNING, NotificationKind.SLA_BREACH}
# SLA events handed to one notification task.
SLA_NOTIFY_CHUNK = 200


def _render(*, kind: str, channel: str, ticket, recipient, context: dict) -> dict[str, str]:
    full_context = {
        "ticket": ticket,
        "recipient": recipient,
        "ticket_url": settings.HELPDESK_BASE_URL + ticket.get_absolute_url(),
        **context,
    }
    with (
        translation.override(recipient.language or settings.LANGUAGE_CODE),
        timezone.override(recipient.time_zone or settings.TIME_ZONE),
    ):
        if channel == NotificationChannel.SMS:
            return {"subject": "", "body_text": sms_fit(render_to_string(f"sms/{kind}.txt", full_context))}
        subject = render_to_string(f"emails/{kind}_subject.txt", full_context)
        return {
            "subject": " ".join(subject.split())[:255],
            "body_text": render_to_string(f"emails/{kind}_body.txt", full_context).strip() + "\n",
            "body_html": render_to_string(f"emails/{kind}_body.html", full_context),
        }


def _people(*, kind: str, ticket, actor) -> list:
    """Who a notification of this kind is for (before their own preferences):

    - ticket created, reply, resolved: the requester;
    - escalated, sent back down: the agents of the ticket's (new) level, but not the
      person who moved it;
    - requester replied, reopened: the assignee (nobody while unassigned: the ticket is
      in its level's unassigned queue), unless they did it themselves;
    - SLA warning: the assignee, or the level's agents while unassigned;
    - SLA breach: the same people and the level's supervisors;
    - supervisor page: the level's supervisors.
    """
    if kind in REQUESTER_KINDS:
        return [ticket.requester]
    if kind in LEVEL_KINDS:
        agents = level_agents(level=ticket.level)
        if actor is not None:
            agents = agents.exclude(pk=actor.pk)
        return list(agents)
    if kind in ASSIGNEE_KINDS:
        assignee = ticket.assignee
        return [assignee] if assignee is not None and (actor is None or assignee.pk != actor.pk) else []
    if kind in SLA_KINDS:
        people = [ticket.assignee] if ticket.assignee is not None else list(level_agents(level=ticket.level))
        if kind == NotificationKind.SLA_BREACH:
            people += [p for p in level_supervisors(level=ticket.level) if p not in people]
        return people
    if kind == NotificationKind.SUPERVISOR_PAGE:
        return list(level_supervisors(level=ticket.level))
    raise ValueError(f"No routing for notification kind {kind!r}")  # pragma: no cover - a programming error


def _webhook_rows(*, kind: str, ticket, context: dict, now) -> list[Notification]:
    """One delivery per active endpoint subscribed to the event this kind announces."""
    event = WEBHOOK_EVENT_FOR_KIND.get(kind)
    if event is None:
        return []
    active = config_cached("webhook-endpoints", None, lambda: list(WebhookEndpoint.objects.filter(is_active=True)))
    endpoints = [endpoint for endpoint in active if event in (endpoint.events or [])]
    if not endpoints:
        return []
    body = webhook_payload(event=event, ticket=ticket, context=context)
    return [
        Notification(
            kind=kind,
            channel=NotificationChannel.WEBHOOK,
            ticket=ticket,
            webhook=endpoint,
            address=endpoint.url,
            subject=event,
            body_text=body,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    ]


def notification_queue(*, kind: str, ticket, actor=None, context: dict | None = None) -> list[Notification]:
    """Write the outbox rows a ticket change calls for, in the caller's transaction, and
    hand them to Celery once it commits. The kind decides who (``_people``); each
    person's preferences decide the channels: email to the address on the account, SMS
    to the mobile number. An SMS that falls in the person's quiet hours waits until they
    end, unless the ticket is P1."""
    context = context or {}
    people = _people(kind=kind, ticket=ticket, actor=actor)
    preferences = notification_preferences_of([person.pk for person in people])
    now = timezone.now()
    rows: list[Notification] = []
    for person in people:
        preference = preferences.get(person.pk) or NotificationPreference(user=person)
        for channel, address in ((NotificationChannel.EMAIL, person.email), (NotificationChannel.SMS, person.phone)):
            if not address or not preference.wants(kind=kind, channel=channel, priority=ticket.priority):
                continue
            not_before = now
            if channel == NotificationChannel.SMS and ticket.priority != Priority.P1:
                not_before = preference.quiet_until(at=now, time_zone=person.time_zone) or now
            rendered = _render(kind=kind, channel=channel, ticket=ticket, recipient=person, context=context)
            rows.append(
                Notification(
                    kind=kind,
                    channel=channel,
                    ticket=ticket,
                    recipient=person,
                    address=address,
                    next_attempt_at=not_before,
                    **rendered,
                )
            )
    rows += _webhook_rows(kind=kind, ticket=ticket, context=context, now=now)
    if rows:
        Notification.objects.bulk_create(rows)
        due_now = [(row.pk, row.channel) for row in rows if row.next_attempt_at <= now]
        if due_now:
            transaction.on_commit(partial(notification_enqueue, due_now))
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
