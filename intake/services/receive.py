"""Recording mail as it arrives: once, whole, before the mailbox lets go of it."""

import hashlib
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from ..models import InboundMessage

MESSAGE_ID_MAX = 500  # InboundMessage.message_id


def _header(headers, name: str) -> str:
    try:
        value = headers.get(name)
    except Exception:  # a header that cannot be decoded is as good as absent
        return ""
    return " ".join(str(value or "").split())


def message_id_of(raw: bytes) -> str:
    """The mail's Message-ID, else one made from its bytes (the same for the same mail),
    shortened to what the column holds by a digest of the whole."""
    headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
    message_id = _header(headers, "Message-ID")
    if not message_id:
        return f"<sha256.{hashlib.sha256(raw).hexdigest()}@no-message-id>"
    if len(message_id) > MESSAGE_ID_MAX:
        return f"<sha256.{hashlib.sha256(message_id.encode()).hexdigest()}@long-message-id>"
    return message_id


def inbound_email_record(*, raw: bytes, source: str, mailbox=None) -> tuple[InboundMessage, bool]:
    """Keep the mail whole, once: a mail already recorded (the same Message-ID, fetched
    again after a worker died before the mailbox let go of it) is returned as it is.
    Returns the row and whether it is new. Commits before it returns."""
    message_id = message_id_of(raw)
    existing = InboundMessage.objects.filter(message_id=message_id).first()
    if existing is not None:
        return existing, False
    headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
    message = InboundMessage(
        message_id=message_id,
        source=source,
        mailbox=mailbox,
        sender=_header(headers, "From")[:320],
        subject=_header(headers, "Subject")[:255],
        size=len(raw),
    )
    message.raw.save(f"{hashlib.sha256(raw).hexdigest()}.eml", ContentFile(raw), save=False)
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:  # recorded at the same moment by another worker
        message.raw.delete(save=False)
        return InboundMessage.objects.get(message_id=message_id), False
    return message, True
