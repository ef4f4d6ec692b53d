"""Outbound webhooks: the signed POST that carries an event's JSON (its sender writes the JSON).

Each request carries:

- ``X-Helpdesk-Event``: the event, e.g. ``ticket.escalated``;
- ``X-Helpdesk-Delivery``: the same on every attempt at one delivery (de-duplicate by it);
- ``X-Helpdesk-Timestamp``: Unix seconds when this attempt was sent;
- ``X-Helpdesk-Signature``: ``v1=`` and the hex HMAC-SHA256 of ``timestamp + "." + body``
  under the endpoint's secret. A receiver recomputes it, compares in constant time, and
  refuses timestamps more than a few minutes old.
"""

import hashlib
import hmac
import time

import requests
from django.conf import settings

from .exceptions import NotificationError

EVENT_HEADER = "X-Helpdesk-Event"
DELIVERY_HEADER = "X-Helpdesk-Delivery"
TIMESTAMP_HEADER = "X-Helpdesk-Timestamp"
SIGNATURE_HEADER = "X-Helpdesk-Signature"


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def webhook_send(*, url: str, secret: str, event: str, delivery: str, body: str) -> str:
    """POST one signed delivery; returns the receiver's answer as the provider id. Any
    answer but 2xx is a failure (retried by the outbox)."""
    raw = body.encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "helpdesk-webhooks/1",
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: webhook_signature(secret=secret, timestamp=timestamp, body=raw),
    }
    try:
        response = requests.post(url, data=raw, headers=headers, timeout=settings.HELPDESK_WEBHOOK_TIMEOUT)
    except requests.RequestException as exc:
        raise NotificationError(f"Webhook unreachable: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise NotificationError(f"Webhook answered {response.status_code}: {response.text[:200]}")
    return f"HTTP {response.status_code}"
