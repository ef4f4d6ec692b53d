"""Reads of the notifications app: the delivery log, preferences and webhook endpoints."""

from typing import cast

from django.core.cache import caches
from django.db.models import Count

from .choices import NotificationChannel, NotificationStatus
from .models import FailingAddress, Notification, NotificationPreference, WebhookEndpoint

# The config cache's key for the active webhook endpoints (cleared when one changes: apps.py).
WEBHOOK_ENDPOINTS_KEY = "webhook-endpoints"


def notification_log(*, status: str | None = None):
    """Outbox rows for the delivery log, newest first; pending, sending and failed unless
    a status is asked for."""
    rows = Notification.objects.select_related("ticket", "recipient").defer("body_text", "body_html")
    if status in NotificationStatus.values:
        rows = rows.filter(status=status)
    else:
        rows = rows.exclude(status=NotificationStatus.SENT)
    return rows.order_by("-created_at", "-id")


def failing_addresses_recent(*, limit: int = 20) -> list[FailingAddress]:
    """The addresses that bounced most recently, for the delivery log."""
    return list(FailingAddress.objects.order_by("-last_failed_at", "-id")[:limit])


def notification_counts() -> dict[str, int]:
    """How many outbox rows are in each state (one grouped query)."""
    counts = dict.fromkeys(NotificationStatus.values, 0)
    for row in Notification.objects.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def notification_preferences_of(user_ids: list[int]) -> dict[int, NotificationPreference]:
    """The preference rows of these people, by person (none: the defaults hold)."""
    if not user_ids:
        return {}
    return NotificationPreference.objects.in_bulk(user_ids)


def webhook_endpoints_active() -> list[WebhookEndpoint]:
    """The endpoints that receive events (read once per process while unchanged)."""
    endpoints = caches["config"].get_or_set(
        WEBHOOK_ENDPOINTS_KEY, lambda: list(WebhookEndpoint.objects.filter(is_active=True))
    )
    return cast(list[WebhookEndpoint], endpoints)


def webhook_endpoints_forget(**kwargs) -> None:
    caches["config"].delete(WEBHOOK_ENDPOINTS_KEY)


def email_kind_wanted(*, user, kind: str) -> bool:
    """Whether this person gets mail of this kind now (their preferences, else the defaults)."""
    preference = NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
    return preference.wants(kind=kind, channel=NotificationChannel.EMAIL, priority=None)
