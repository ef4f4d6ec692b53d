"""Writes of the notifications app, by topic: queueing, delivery, preferences, unsubscribing."""

from .addresses import mail_address_failing_record, notification_queue_to_address
from .delivery import (
    NOTIFICATION_SEND_TASK,
    notification_deliver,
    notification_deliver_batch,
    notification_enqueue,
    notification_retry,
    notification_sweep,
)
from .preferences import notification_preference_get, notification_preference_set
from .queue import notification_queue
from .unsubscribe import (
    email_opt_out_allowed,
    notification_email_subscription_set,
    unsubscribe_headers,
    unsubscribe_token,
    unsubscribe_token_read,
    unsubscribe_url,
)

__all__ = [
    "email_opt_out_allowed",
    "notification_email_subscription_set",
    "unsubscribe_headers",
    "unsubscribe_token",
    "unsubscribe_token_read",
    "unsubscribe_url",
    "NOTIFICATION_SEND_TASK",
    "mail_address_failing_record",
    "notification_deliver",
    "notification_deliver_batch",
    "notification_enqueue",
    "notification_preference_get",
    "notification_preference_set",
    "notification_queue",
    "notification_queue_to_address",
    "notification_retry",
    "notification_sweep",
]
