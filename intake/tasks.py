"""Periodic and queued work of the inbound channels."""

from celery import shared_task

from .selectors import mailbox_ids_active
from .services import mailbox_fetch_locked


@shared_task(name="intake.tasks.mailboxes_fetch", ignore_result=True)
def mailboxes_fetch() -> int:
    """Periodic: one fetch task per active mailbox."""
    ids = mailbox_ids_active()
    for mailbox_id in ids:
        mailbox_fetch.delay(mailbox_id)
    return len(ids)


@shared_task(name="intake.tasks.mailbox_fetch", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def mailbox_fetch(mailbox_id: int) -> str:
    """Read one mailbox (skipped while another worker reads it)."""
    return str(mailbox_fetch_locked(mailbox_id=mailbox_id))
