import json
from urllib.parse import quote_plus

import requests
from django.conf import settings

from ..exceptions import NotificationError
from .base import BaseSmsBackend


def _dig(data, path: str) -> str:
    """The value at a dotted path ("data.message_id") of a JSON document, or ""."""
    for key in filter(None, path.split(".")):
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return ""
    return "" if data is None or isinstance(data, (dict, list)) else str(data)


def _session(url: str) -> requests.Session:
    """An HTTP session for the gateway at ``url``: kept-alive connections, so a batch of
    SMS pays one TCP (and TLS) handshake, not one per message. The proxy, CA bundle and
    .netrc settings of the environment are read once, when the session is made, rather
    than for every message."""
    session = requests.Session()
    environment = session.merge_environment_settings(url, {}, None, None, None)
    session.proxies.update(environment["proxies"])
    session.verify = environment["verify"]
    session.auth = requests.utils.get_netrc_auth(url)
    session.trust_env = False
    return session


class SmsBackend(BaseSmsBackend):
    """A generic HTTP SMS gateway, configured in settings (fits most local gateways):

    SMS_HTTP_URL, SMS_HTTP_METHOD (POST), SMS_HTTP_HEADERS (a JSON object, e.g. an
    Authorization header), SMS_HTTP_CONTENT_TYPE (application/json or
    application/x-www-form-urlencoded), SMS_HTTP_BODY_TEMPLATE with {to}, {body} and
    {reference} placeholders (filled escaped for the content type), SMS_HTTP_ID_FIELD
    (dotted path of the message id in a JSON answer), SMS_HTTP_IDEMPOTENCY_HEADER (a
    header that carries the message's reference, for gateways that de-duplicate by it)
    and SMS_HTTP_TIMEOUT in seconds.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.url = settings.SMS_HTTP_URL
        self.method = settings.SMS_HTTP_METHOD.upper()
        self.headers = {"Content-Type": settings.SMS_HTTP_CONTENT_TYPE, **settings.SMS_HTTP_HEADERS}
        self.template = settings.SMS_HTTP_BODY_TEMPLATE
        self.id_field = settings.SMS_HTTP_ID_FIELD
        self.timeout = settings.SMS_HTTP_TIMEOUT
        self.idempotency_header = settings.SMS_HTTP_IDEMPOTENCY_HEADER
        self.session: requests.Session | None = None

    def open(self) -> None:
        if self.session is None and self.url:
            self.session = _session(self.url)

    def close(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            session.close()

    def _escape(self, value: str) -> str:
        if "json" in self.headers["Content-Type"]:
            return json.dumps(value)[1:-1]
        return quote_plus(value)

    def send_messages(self, messages) -> list[str]:
        if not self.url:
            raise NotificationError("SMS_HTTP_URL is not set")
        opened = self.session is None
        self.open()
        try:
            return [self._send(message) for message in messages]
        finally:
            if opened:
                self.close()

    def _send(self, message) -> str:
        body = (
            self.template.replace("{to}", self._escape(message.to))
            .replace("{reference}", self._escape(message.reference))
            .replace("{body}", self._escape(message.body))
        )
        headers = self.headers
        if self.idempotency_header and message.reference:
            headers = {**headers, self.idempotency_header: message.reference}
        assert self.session is not None  # noqa: S101 - send_messages opened it
        try:
            response = self.session.request(
                self.method, self.url, data=body.encode(), headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise NotificationError(f"SMS gateway unreachable: {exc}") from exc
        if not response.ok:
            raise NotificationError(f"SMS gateway answered {response.status_code}: {response.text[:200]}")
        try:
            return _dig(response.json(), self.id_field)
        except ValueError:
            return ""
