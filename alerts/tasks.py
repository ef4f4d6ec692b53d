"""Queued work of the alerts app."""

from celery import shared_task
from django.db import OperationalError

from .services import alert_delivery_process


@shared_task(
    name="alerts.tasks.alert_delivery_process",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def alert_delivery_process_task(delivery_id: int) -> None:
    """Turn one recorded delivery into tickets (a delivery already processed is skipped)."""
    alert_delivery_process(delivery_id=delivery_id)
