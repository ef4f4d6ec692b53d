"""SLA events the sweep recorded: handed to workers, each notified once and its rules fired."""

import logging

from celery import signature
from django.db import transaction
from django.utils import timezone

from sla.models import SlaEvent

from .ladders import ladders_apply_sla_event
from .notices import sla_notice_queue

logger = logging.getLogger(__name__)

# SLA events handed to one notification task.
SLA_NOTIFY_CHUNK = 200
# The task that notifies a chunk of events (escalation/tasks.py).
SLA_NOTIFY_TASK = "escalation.tasks.sla_notify"


def sla_notifications_enqueue(event_ids: list[int]) -> None:
    """Hand newly recorded SLA events to workers in chunks (rendering mail is the slow
    part, so the sweep itself stays short). A broker that is away loses nothing: the
    events stay un-notified and the next sweep hands them over again."""
    for start in range(0, len(event_ids), SLA_NOTIFY_CHUNK):
        try:
            signature(SLA_NOTIFY_TASK, args=(event_ids[start : start + SLA_NOTIFY_CHUNK],)).apply_async()
        except Exception:
            logger.warning("Broker unavailable; SLA events stay un-notified for the next sweep")
            return


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
            sla_notice_queue(event=event)
            ladders_apply_sla_event(event=event)
            queued += 1
    return queued
