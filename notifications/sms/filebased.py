import json
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    """Writes each SMS as one JSON file under ``SMS_FILE_PATH``, named by its id."""

    def __init__(self, *args, file_path=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.file_path = Path(file_path or settings.SMS_FILE_PATH)
        self.file_path.mkdir(parents=True, exist_ok=True)

    def send_messages(self, messages) -> list[str]:
        ids = []
        for message in messages:
            message_id = uuid.uuid4().hex
            now = timezone.localtime()
            record = {
                "id": message_id,
                "to": message.to,
                "body": message.body,
                "reference": message.reference,
                "at": now.isoformat(),
            }
            stamp = now.strftime("%Y%m%d-%H%M%S")
            target = self.file_path / f"{stamp}-{message_id}.json"
            partial = target.with_suffix(".tmp")
            partial.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
            partial.rename(target)  # readers never see half a message
            ids.append(message_id)
        return ids
