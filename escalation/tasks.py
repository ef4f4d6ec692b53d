from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def notification_send(notification_id: int) -> bool:
    """Deliver one outbox row; harmless when redelivered (the row claim decides)."""
    return services.notification_deliver(notification_id=notification_id)


@shared_task(ignore_result=True)
def notification_sweep() -> int:
    """Periodic: hand over outbox rows left pending."""
    return services.notification_sweep()
