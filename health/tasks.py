from celery import shared_task
from celery.signals import worker_ready

from .services import heartbeat_record


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Periodic: proves beat schedules and a worker runs (read by /healthz/)."""
    heartbeat_record()


@shared_task(ignore_result=True)
def noop() -> None:
    """Does nothing: the floor of bench/notification_delivery.py, what a task costs
    Celery itself (fetch, run, acknowledge) on the same worker."""


@worker_ready.connect
def _heartbeat_on_start(sender=None, **kwargs) -> None:
    # A worker that just started is alive: say so now instead of at the first beat.
    heartbeat.delay()
