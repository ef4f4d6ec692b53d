"""The mail providers' and SMS gateways' inbound endpoints with whatever a caller posts,
with and without the shared secret: never a server error, and nothing recorded without
the secret. (Real payloads: tests/intake/test_webhooks.py and tests/intake/test_sms.py.)"""

import base64
import json

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from intake.models import InboundMessage, InboundSms
from tests.fuzz.strategies import FUZZ, hostile_text

PAGES_COVERED = {"intake:inbound-email", "intake:inbound-sms", "intake:inbound-sms-twilio"}
SECRET = "postmark:fuzz-secret"

value = st.one_of(st.none(), st.text(max_size=80), hostile_text, st.integers(), st.booleans())
payload = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "RawEmail": value,
            "RecordType": value,
            "Headers": st.one_of(value, st.lists(st.fixed_dictionaries({"Name": value, "Value": value}), max_size=3)),
            "FromFull": st.one_of(value, st.fixed_dictionaries({"Email": value, "Name": value})),
            "ToFull": st.one_of(value, st.lists(st.fixed_dictionaries({"Email": value}), max_size=2)),
            "Subject": value,
            "TextBody": value,
            "Attachments": st.one_of(value, st.lists(st.fixed_dictionaries({"Content": value}), max_size=2)),
        },
    ),
    value,
)


@pytest.mark.django_db
@FUZZ
@given(
    body=st.one_of(payload.map(json.dumps), st.text(max_size=200), hostile_text),
    provider=st.sampled_from(["postmark", "mailjet", "sparkpost", "brevo"]),
    credentials=st.one_of(st.none(), st.just(SECRET), hostile_text),
)
def test_no_post_to_the_inbound_endpoint_is_a_server_error(settings, body, provider, credentials):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    extra = {}
    if credentials is not None:
        extra["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(credentials.encode()).decode()
    before = InboundMessage.objects.count()

    response = Client().post(f"/inbound/email/{provider}/inbound/", body, content_type="application/json", **extra)

    assert response.status_code < 500
    if credentials != SECRET:
        assert response.status_code == 400
        assert InboundMessage.objects.count() == before


SMS_SECRET = "sms-fuzz-secret"
TWILIO_TOKEN = "twilio-fuzz-token"
sms_payload = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={key: value for key in ("from", "to", "text", "id", "message", "msisdn", "messageId")},
    ),
    value,
)


@pytest.mark.django_db
@FUZZ
@given(
    body=st.one_of(sms_payload.map(json.dumps), st.text(max_size=200), hostile_text),
    as_form=st.booleans(),
    token=st.one_of(st.none(), st.just(SMS_SECRET), hostile_text),
)
def test_no_post_to_the_sms_endpoint_is_a_server_error(settings, body, as_form, token):
    settings.HELPDESK_SMS_INBOUND_SECRET = SMS_SECRET
    extra = {} if token is None else {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    before = InboundSms.objects.count()
    if as_form:
        data = json.loads(body) if body.startswith("{") else {"text": body}
        form = {key: json.dumps(item) if not isinstance(item, str) else item for key, item in data.items()}
        response = Client().post("/inbound/sms/", form, **extra)
    else:
        response = Client().post("/inbound/sms/", body, content_type="application/json", **extra)
    assert response.status_code < 500
    if token != SMS_SECRET:
        assert response.status_code == 401
        assert InboundSms.objects.count() == before


@pytest.mark.django_db
@FUZZ
@given(
    form=st.dictionaries(
        st.sampled_from(["From", "To", "Body", "MessageSid", "NumMedia", "x"]),
        st.one_of(st.text(max_size=80), hostile_text),
        max_size=5,
    ),
    signature=st.one_of(st.none(), hostile_text, st.text(max_size=40)),
)
def test_no_post_to_the_twilio_endpoint_is_a_server_error(settings, form, signature):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    extra = {} if signature is None else {"HTTP_X_TWILIO_SIGNATURE": signature}
    before = InboundSms.objects.count()
    response = Client().post("/inbound/sms/twilio/", form, **extra)
    assert response.status_code == 403
    assert InboundSms.objects.count() == before
