import requests
from django.conf import settings

from ..exceptions import NotificationError
from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    """Twilio's Messages REST API over plain HTTPS (no SDK): TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER; TWILIO_API_BASE for a regional edge."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sid = settings.TWILIO_ACCOUNT_SID
        self.token = settings.TWILIO_AUTH_TOKEN
        self.sender = settings.TWILIO_FROM_NUMBER
        self.base = settings.TWILIO_API_BASE.rstrip("/")
        self.timeout = settings.SMS_HTTP_TIMEOUT

    def send_messages(self, messages) -> list[str]:
        if not (self.sid and self.token and self.sender):
            raise NotificationError("Set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER")
        url = f"{self.base}/2010-04-01/Accounts/{self.sid}/Messages.json"
        ids = []
        for message in messages:
            try:
                response = requests.post(
                    url,
                    data={"To": message.to, "From": self.sender, "Body": message.body},
                    auth=(self.sid, self.token),
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                raise NotificationError(f"Twilio unreachable: {exc}") from exc
            if not response.ok:
                raise NotificationError(f"Twilio answered {response.status_code}: {response.text[:200]}")
            ids.append(str(response.json().get("sid", "")))
        return ids
