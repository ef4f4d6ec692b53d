"""Writes of the escalation app: the SLA sweep, the notices of the events it records, and
the escalation rules they and the clock trigger."""

from .ladders import ladders_apply_not_taken, ladders_apply_sla_event, ladders_backfill
from .pages import PageError, page_acknowledge, page_send, pages_repeat
from .sla_events import sla_notifications_enqueue, sla_notifications_queue
from .sweep import sla_sweep

__all__ = [
    "PageError",
    "ladders_apply_not_taken",
    "ladders_apply_sla_event",
    "ladders_backfill",
    "page_acknowledge",
    "page_send",
    "pages_repeat",
    "sla_notifications_enqueue",
    "sla_notifications_queue",
    "sla_sweep",
]
