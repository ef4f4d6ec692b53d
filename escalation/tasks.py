from celery import shared_task

from . import services
from .services import ladders, sla


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def notification_send(notification_ids: list[int] | int) -> int:
    """Deliver a batch of outbox rows of one channel (a single id: a message queued
    before batches); harmless when redelivered (each row's claim decides)."""
    if isinstance(notification_ids, int):
        notification_ids = [notification_ids]
    return services.notification_deliver_batch(notification_ids=notification_ids)


@shared_task(ignore_result=True)
def notification_sweep() -> int:
    """Periodic: hand over outbox rows left pending."""
    return services.notification_sweep()


@shared_task(ignore_result=True)
def sla_sweep() -> int:
    """Periodic: record SLA thresholds crossed since the last sweep, and fire the
    "not taken in time" escalation rules."""
    recorded = len(sla.sla_sweep())
    ladders.ladders_apply_not_taken()
    return recorded


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sla_notify(event_ids: list[int]) -> int:
    """Queue the notifications for a chunk of SLA events (each event once)."""
    return services.sla_notifications_queue(event_ids=event_ids)
