"""SMS delivery through pluggable backends, shaped like Django's email backends.

``SMS_BACKEND`` names a class with ``send_messages(messages) -> list[str]`` returning the
provider's id for each message. ``send_sms`` is the one-message shortcut.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    # The same for every attempt at one notification: gateways that de-duplicate by a
    # client reference or an idempotency key never deliver a retried message twice.
    reference: str = ""


def get_sms_backend(backend: str | None = None, **kwargs):
    return import_string(backend or settings.SMS_BACKEND)(**kwargs)


def send_sms(*, to: str, body: str, reference: str = "", backend: str | None = None) -> str:
    """Send one SMS; returns the provider's message id."""
    return get_sms_backend(backend).send_messages([SmsMessage(to=to, body=body, reference=reference)])[0]
