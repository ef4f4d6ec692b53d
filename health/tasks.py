from celery import shared_task

from .services import heartbeat_record


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Periodic: proves beat schedules and a worker runs (read by /healthz/)."""
    heartbeat_record()
