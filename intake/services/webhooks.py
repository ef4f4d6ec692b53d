"""Mail a provider posts (anymail's inbound webhooks): recorded, then processed."""

import logging

from ..choices import InboundSource, InboundStatus
from ..models import InboundMessage
from .email import inbound_email_process
from .receive import inbound_email_record

logger = logging.getLogger("intake.webhooks")


def inbound_webhook_receive(*, raw: bytes) -> InboundMessage:
    """Record the mail (once, by Message-ID: a provider posting it again adds nothing) and
    process it. A processing failure leaves it recorded and listed for another try; only a
    mail that could not be recorded raises, so that the provider posts it again."""
    message, _created = inbound_email_record(raw=raw, source=InboundSource.WEBHOOK, mailbox=None)
    if message.status == InboundStatus.RECEIVED:
        try:
            message = inbound_email_process(message=message)
        except Exception:
            logger.exception("Processing inbound message %s failed; it is kept for another try", message.pk)
    return message
