"""Mail as clients write it, for the intake tests."""

import uuid
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from django.utils import timezone


def mail(
    *,
    subject: str = "Printer on floor 3 jams",
    sender: str = "Rina Wijaya <rina@example.com>",
    to: str = "helpdesk@example.com",
    body: str = "It jams on every second page.\n",
    message_id: str | None = None,
    attachment: bytes | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@example.com>"
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="dump.bin")
    return message.as_bytes(policy=SMTP)
