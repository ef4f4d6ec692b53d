"""The mail providers' inbound endpoint with whatever a caller posts, with and without the
shared secret: never a server error, and nothing recorded without the secret. (Real
provider payloads: tests/intake/test_webhooks.py.)"""

import base64
import json

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from intake.models import InboundMessage
from tests.fuzz.strategies import FUZZ, hostile_text

PAGES_COVERED = {"intake:inbound-email"}
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
