import uuid

from .base import BaseSmsBackend

outbox: list = []


class SmsBackend(BaseSmsBackend):
    """Keeps messages in ``notifications.sms.locmem.outbox`` (for tests in one process)."""

    def send_messages(self, messages) -> list[str]:
        ids = []
        for message in messages:
            outbox.append(message)
            ids.append(uuid.uuid4().hex)
        return ids
