"""Celery tasks of the outbox. Their names predate this app and stay, so messages queued
before an upgrade are still understood."""

from celery import shared_task

from . import services


@shared_task(name=services.NOTIFICATION_SEND_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def notification_send(notification_ids: list[int] | int) -> int:
    """Deliver a batch of outbox rows of one channel (a single id: a message queued
    before batches); harmless when redelivered (each row's claim decides)."""
    if isinstance(notification_ids, int):
        notification_ids = [notification_ids]
    return services.notification_deliver_batch(notification_ids=notification_ids)


@shared_task(name="escalation.tasks.notification_sweep", ignore_result=True)
def notification_sweep() -> int:
    """Periodic: hand over outbox rows left pending."""
    return services.notification_sweep()
