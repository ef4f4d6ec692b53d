"""Mail a provider posts (anymail's inbound webhooks), here Postmark's inbound JSON with the
raw MIME ("Include raw email content"): recorded and processed once, only with the
shared basic-auth secret, and absent until that secret is set."""

import base64
import json

import pytest

from intake.choices import InboundSource, InboundStatus
from intake.models import InboundMessage
from tests.intake.mail import mail

pytestmark = pytest.mark.django_db

URL = "/inbound/email/postmark/inbound/"
SECRET = "postmark:s3cret-🙂"


@pytest.fixture
def secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    return SECRET


def basic(credentials: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def postmark_payload(raw: bytes) -> dict:
    """What Postmark posts for one inbound mail (its documented shape, trimmed)."""
    return {
        "FromName": "Rina Wijaya",
        "MessageStream": "inbound",
        "From": "rina@example.com",
        "FromFull": {"Email": "rina@example.com", "Name": "Rina Wijaya", "MailboxHash": ""},
        "To": "helpdesk@example.com",
        "ToFull": [{"Email": "helpdesk@example.com", "Name": "", "MailboxHash": ""}],
        "Cc": "",
        "CcFull": [],
        "Bcc": "",
        "BccFull": [],
        "OriginalRecipient": "helpdesk@example.com",
        "Subject": "Printer jams",
        "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "ReplyTo": "",
        "MailboxHash": "",
        "Date": "Wed, 2 Dec 2026 10:00:00 +0700",
        "TextBody": "It jams on every second page.",
        "HtmlBody": "",
        "StrippedTextReply": "",
        "Tag": "",
        "Headers": [{"Name": "Return-Path", "Value": "<rina@example.com>"}],
        "Attachments": [],
        "RawEmail": raw.decode(),
    }


def post(client, payload, **extra):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(URL, body, content_type="application/json", **extra)


def test_a_posted_mail_with_the_secret_is_recorded_and_processed_once(client, secret):
    raw = mail(subject="Printer jams 🙂 <b>&</b>", message_id="<posted-1@example.com>")

    first = post(client, postmark_payload(raw), **basic(secret))
    again = post(client, postmark_payload(raw), **basic(secret))

    assert (first.status_code, again.status_code) == (200, 200)
    message = InboundMessage.objects.get()
    assert message.message_id == "<posted-1@example.com>"
    assert message.source == InboundSource.WEBHOOK and message.mailbox is None
    assert message.subject == "Printer jams 🙂 <b>&</b>"
    assert message.status != InboundStatus.RECEIVED


@pytest.mark.parametrize(
    "credentials", [None, "postmark:wrong", "postmark:", "", "postmark:s3cret-🙂 ", "\r\n"], ids=repr
)
def test_a_post_without_the_right_secret_is_refused_and_records_nothing(client, secret, credentials):
    extra = {} if credentials is None else basic(credentials)

    response = post(client, postmark_payload(mail()), **extra)

    assert response.status_code == 400
    assert InboundMessage.objects.count() == 0


def test_without_a_secret_the_endpoint_is_absent_for_everyone(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}

    response = post(client, postmark_payload(mail()), **basic(SECRET))

    assert response.status_code == 404
    assert InboundMessage.objects.count() == 0


@pytest.mark.parametrize("provider", ["mailgun", "sendgrid", "nope", "' \" < > &", "🙂"])
def test_a_provider_not_offered_is_not_found(client, secret, provider):
    response = client.post(
        f"/inbound/email/{provider}/inbound/", "{}", content_type="application/json", **basic(secret)
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    ["", "not json", "[]", '"text"', "null", '{"RecordType": "Bounce"}', '{"RawEmail": 12}', "{" * 1000, "\x00"],
    ids=repr,
)
def test_a_payload_that_is_no_mail_is_a_bad_request_not_a_server_error(client, secret, body):
    response = post(client, body, **basic(secret))

    assert response.status_code == 400
    assert InboundMessage.objects.count() == 0


def test_a_get_is_not_a_mail(client, secret):
    assert client.get(URL, **basic(secret)).status_code == 405
