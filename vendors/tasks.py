from celery import shared_task

from .services import vendor_reminders_send as send


@shared_task(name="vendors.tasks.vendor_reminders_send", ignore_result=True)
def vendor_reminders_send() -> int:
    """Periodic: chase the vendors whose response or resolution is overdue (each slot once)."""
    return send()
