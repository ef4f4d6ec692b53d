"""Adapters from other libraries' signals to the services: no logic of their own."""

import email.policy

from .services import inbound_webhook_receive


def inbound_email_posted(sender, event, esp_name, **kwargs) -> None:
    """anymail.signals.inbound: a provider posted a mail."""
    message = event.message
    try:
        raw = message.as_bytes()
    except (ValueError, TypeError, LookupError):  # a header the modern policy cannot write back
        raw = message.as_bytes(policy=email.policy.compat32)
    inbound_webhook_receive(raw=raw)
