from celery import shared_task

from .services import ladders_apply_not_taken, pages_repeat, sla_notifications_queue
from .services import sla_sweep as sweep
from .services.sla_events import SLA_NOTIFY_TASK


@shared_task(name="escalation.tasks.sla_sweep", ignore_result=True)
def sla_sweep() -> int:
    """Periodic: record SLA thresholds crossed since the last sweep, fire the "not taken
    in time" escalation rules, and repeat the pages nobody has acknowledged."""
    recorded = len(sweep())
    ladders_apply_not_taken()
    pages_repeat()
    return recorded


@shared_task(name=SLA_NOTIFY_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sla_notify(event_ids: list[int]) -> int:
    """Queue the notifications for a chunk of SLA events (each event once)."""
    return sla_notifications_queue(event_ids=event_ids)
