import sys
import threading
import uuid

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    """Writes each SMS to standard output."""

    _lock = threading.Lock()

    def __init__(self, *args, stream=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout

    def send_messages(self, messages) -> list[str]:
        ids = []
        with self._lock:
            for message in messages:
                message_id = uuid.uuid4().hex
                self.stream.write(f"SMS {message_id} to {message.to}\n{message.body}\n{'-' * 40}\n")
                ids.append(message_id)
            self.stream.flush()
        return ids
