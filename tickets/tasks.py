from celery import shared_task

from .services import reminders_send, tickets_auto_close, tickets_snooze_wake


@shared_task(name="tickets.tasks.follow_up_sweep", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def follow_up_sweep() -> int:
    """Periodic: snoozed tickets whose time has come go back to their queues, due
    reminders go out, and resolved tickets nobody answered are told or closed."""
    woken = tickets_snooze_wake()
    sent = reminders_send()
    told, closed = tickets_auto_close()
    return len(woken) + len(sent) + len(told) + len(closed)
