import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from notifications.exceptions import NotificationError
from notifications.sms import SmsMessage, get_sms_backend


class FakeGateway:
    """A real HTTP server on 127.0.0.1 that records requests and answers as told."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.answer: dict = {"id": "msg-1"}
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                gateway.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length).decode()}
                )
                payload = json.dumps(gateway.answer).encode()
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    fake = FakeGateway()
    yield fake
    fake.close()


def test_the_http_gateway_posts_json_with_the_auth_header_and_returns_the_provider_id(gateway, settings):
    settings.SMS_HTTP_URL = gateway.url + "/send"
    settings.SMS_HTTP_HEADERS = {"Authorization": "Bearer s3cret"}
    settings.SMS_HTTP_ID_FIELD = "data.message_id"
    gateway.answer = {"data": {"message_id": "gw-42"}}
    ids = get_sms_backend("notifications.sms.http.SmsBackend").send_messages(
        [SmsMessage(to="+6281200000001", body='P1 "HD-000001" down\nnow')]
    )
    assert ids == ["gw-42"]
    sent = gateway.requests[0]
    assert sent["path"] == "/send"
    assert sent["headers"]["Authorization"] == "Bearer s3cret"
    assert json.loads(sent["body"]) == {"to": "+6281200000001", "message": 'P1 "HD-000001" down\nnow'}


def test_the_http_gateway_can_post_a_form(gateway, settings):
    settings.SMS_HTTP_URL = gateway.url
    settings.SMS_HTTP_CONTENT_TYPE = "application/x-www-form-urlencoded"
    settings.SMS_HTTP_BODY_TEMPLATE = "msisdn={to}&text={body}&user=helpdesk"
    get_sms_backend("notifications.sms.http.SmsBackend").send_messages([SmsMessage(to="+62812", body="a&b = c")])
    assert parse_qs(gateway.requests[0]["body"]) == {"msisdn": ["+62812"], "text": ["a&b = c"], "user": ["helpdesk"]}


def test_a_gateway_error_is_raised_with_its_status(gateway, settings):
    settings.SMS_HTTP_URL = gateway.url
    gateway.status, gateway.answer = 503, {"error": "busy"}
    with pytest.raises(NotificationError, match="503"):
        get_sms_backend("notifications.sms.http.SmsBackend").send_messages([SmsMessage(to="+62812", body="x")])


def test_an_unreachable_gateway_is_a_notification_error(settings):
    settings.SMS_HTTP_URL = "http://127.0.0.1:1/send"
    with pytest.raises(NotificationError, match="unreachable"):
        get_sms_backend("notifications.sms.http.SmsBackend").send_messages([SmsMessage(to="+62812", body="x")])


def test_twilio_is_called_over_its_rest_api_with_basic_auth(gateway, settings):
    settings.TWILIO_API_BASE = gateway.url
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM_NUMBER = "AC123", "tok", "+15550001"
    gateway.answer = {"sid": "SM999", "status": "queued"}
    ids = get_sms_backend("notifications.sms.twilio.SmsBackend").send_messages([SmsMessage(to="+62812", body="hi")])
    assert ids == ["SM999"]
    sent = gateway.requests[0]
    assert sent["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert sent["headers"]["Authorization"].startswith("Basic ")
    assert parse_qs(sent["body"]) == {"To": ["+62812"], "From": ["+15550001"], "Body": ["hi"]}


@pytest.mark.django_db
def test_an_sms_through_the_gateway_is_delivered_from_the_outbox(gateway, settings):
    from notifications.choices import NotificationChannel, NotificationStatus
    from notifications.models import Notification
    from notifications.services import notification_deliver
    from tests.factories import TicketFactory, make_agent
    from tickets import services

    settings.SMS_BACKEND = "notifications.sms.http.SmsBackend"
    settings.SMS_HTTP_URL = gateway.url
    make_agent(2, phone="+6281200000002")
    ticket = TicketFactory(level=1, impact="high", urgency="high", priority=1)
    services.ticket_escalate(ticket_id=ticket.pk, by=make_agent(1), reason="disk")
    row = Notification.objects.get(ticket=ticket, channel=NotificationChannel.SMS)
    assert notification_deliver(notification_id=row.pk) is True
    row.refresh_from_db()
    assert (row.status, row.provider_id) == (NotificationStatus.SENT, "msg-1")
    assert ticket.reference in json.loads(gateway.requests[0]["body"])["message"]
