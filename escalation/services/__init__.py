"""Writes of the escalation app, by topic: routing, notifications (queueing, delivery), SLA."""

from .delivery import (
    notification_deliver,
    notification_deliver_batch,
    notification_enqueue,
    notification_retry,
    notification_sweep,
)
from .notifications import notification_queue, sla_notifications_enqueue, sla_notifications_queue
from .preferences import notification_preference_get, notification_preference_set
from .routing import route_level

__all__ = [
    "notification_deliver",
    "notification_deliver_batch",
    "notification_enqueue",
    "notification_preference_get",
    "notification_preference_set",
    "notification_queue",
    "notification_retry",
    "notification_sweep",
    "route_level",
    "sla_notifications_enqueue",
    "sla_notifications_queue",
]
