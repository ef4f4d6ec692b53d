"""SMS in through the generic gateway endpoint and Twilio's: a known number's message joins
its latest open ticket or opens one, staff answer pages with ACK, and everything else is
refused with an answer and recorded."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from twilio.request_validator import RequestValidator

from escalation.models import Page
from escalation.services.notices import sla_notice_queue
from intake.choices import SmsOutcome
from intake.models import InboundSms
from sla.models import SlaEvent
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import Channel, EventKind, Impact, Status, Urgency
from tickets.models import Comment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-the-gateway"
TWILIO_TOKEN = "twilio-auth-token-0123456789"
BASE_URL = "https://helpdesk.example.co.id"
HOSTILE = "Printer <b>\"lantai 3\"</b> & 'rusak' 🔥\r\nBcc: x@example.com\r\nTolong cepat"


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.HELPDESK_SMS_INBOUND_SECRET = SECRET
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.HELPDESK_BASE_URL = BASE_URL


@pytest.fixture
def siti():
    return make_requester(username="siti", phone="+6281234567890", language="id")


def post(data, *, auth=f"Bearer {SECRET}", as_json=True, **headers):
    client = Client()
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    extra.update({f"HTTP_{key.upper().replace('-', '_')}": value for key, value in headers.items()})
    if as_json:
        return client.post("/inbound/sms/", json.dumps(data), content_type="application/json", **extra)
    return client.post("/inbound/sms/", data, **extra)


def twilio(data, *, token=TWILIO_TOKEN):
    signature = RequestValidator(token).compute_signature(f"{BASE_URL}/inbound/sms/twilio/", data)
    return Client().post("/inbound/sms/twilio/", data, HTTP_X_TWILIO_SIGNATURE=signature)


def test_a_known_number_without_an_open_ticket_opens_one_by_sms(siti):
    response = post({"from": "+6281234567890", "to": "+628001", "text": HOSTILE, "id": "m-1"})
    assert response.status_code == 200
    ticket = Ticket.objects.get(requester=siti)
    assert (ticket.channel, ticket.status) == (Channel.SMS, Status.NEW)
    assert ticket.subject == "Printer <b>\"lantai 3\"</b> & 'rusak' 🔥"
    assert ticket.description == HOSTILE.replace("\r\n", "\n")
    body = response.json()
    assert body["outcome"] == "ticket" and body["ticket"] == ticket.reference
    # In Siti's own language.
    assert body["reply"].startswith(f"Terima kasih, kami membuka {ticket.reference}")
    record = InboundSms.objects.get()
    assert (record.sender, record.ticket, record.from_number, record.outcome) == (
        siti,
        ticket,
        "+6281234567890",
        SmsOutcome.TICKET,
    )


def test_a_message_joins_the_latest_open_ticket_as_the_sender_s_reply(siti):
    TicketFactory(requester=siti, status=Status.OPEN)
    latest = TicketFactory(requester=siti, status=Status.PENDING)
    TicketFactory(requester=siti, status=Status.CLOSED)
    latest.updated_at = timezone.now() + timedelta(seconds=1)
    latest.save()
    # The number as a local gateway writes it.
    response = post({"from": "081234567890", "text": "Sudah dicoba, masih rusak", "id": "m-2"}, as_json=False)
    assert response.status_code == 200, response.content
    comment = Comment.objects.get()
    assert (comment.ticket, comment.author, comment.channel, comment.is_internal) == (latest, siti, Channel.SMS, False)
    latest.refresh_from_db()
    assert latest.status == Status.OPEN  # a requester's reply takes a pending ticket back
    assert response.json()["reply"] == f"Terima kasih, pesan Anda ditambahkan ke {latest.reference}."


def test_an_unknown_number_is_refused_with_an_answer_and_recorded(caplog):
    response = post({"from": "+6281299999999", "text": "Halo, printer rusak", "id": "m-3"})
    assert response.status_code == 200
    assert response.json() == {
        "outcome": "refused",
        "ticket": None,
        "reply": "This number is not known to the helpdesk, so the message was not recorded."
        " Please use the helpdesk's website or email.",
    }
    assert not Ticket.objects.exists()
    record = InboundSms.objects.get()
    assert (record.outcome, record.sender, record.body) == (SmsOutcome.REFUSED, None, "Halo, printer rusak")
    assert "unknown number +6281299999999" in caplog.text


def test_the_same_message_delivered_twice_is_recorded_once(siti):
    first = post({"from": siti.phone, "text": "Printer rusak", "id": "dup"})
    second = post({"from": siti.phone, "text": "Printer rusak", "id": "dup"})
    assert first.json() == second.json()
    assert Ticket.objects.count() == 1 and InboundSms.objects.count() == 1


def test_a_runaway_number_is_answered_once_then_ignored(siti, settings):
    settings.HELPDESK_SMS_INBOUND_PER_HOUR = 3
    replies = [post({"from": siti.phone, "text": f"pesan {n}", "id": f"r{n}"}).json() for n in range(6)]
    assert [reply["outcome"] for reply in replies] == ["ticket", "comment", "comment", "refused", "refused", "refused"]
    assert replies[3]["reply"].startswith("Terlalu banyak pesan")
    assert replies[4]["reply"] == replies[5]["reply"] == ""
    assert Comment.objects.count() == 2


def test_an_empty_message_or_a_shared_number_is_refused(siti):
    assert post({"from": siti.phone, "text": "  \r\n "}).json()["reply"] == (
        "Pesannya kosong, jadi tidak ada yang dicatat."
    )
    make_requester(username="budi", phone=siti.phone)
    refused = post({"from": siti.phone, "text": "Halo"}).json()
    assert refused["outcome"] == "refused" and "More than one account has this number" in refused["reply"]
    assert not Ticket.objects.exists()


def test_a_long_unicode_message_is_kept_whole_and_its_subject_shortened(siti):
    text = "Kerusakan jaringan di gedung Ω " * 10 + "\n" + "ü" * 4000
    post({"from": siti.phone, "text": text})
    ticket = Ticket.objects.get()
    assert len(ticket.subject) == 80 and ticket.subject.endswith("…")
    assert ticket.description == text.strip()


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        ("not json", 400, "The body is not JSON."),
        ([1, 2], 400, "Send one JSON object."),
        ({"from": ["+62812"], "text": "x"}, 400, "“from” must be text."),
        ({"from": "+6281234567890", "text": {"a": 1}}, 400, "“text” must be text."),
        ({"from": True, "text": "x"}, 400, "“from” must be text."),
        ({"text": "who am I"}, 400, "Say who sent the message (“from”)."),
    ],
)
def test_what_the_gateway_endpoint_refuses(data, status, error):
    client = Client()
    body = data if isinstance(data, str) else json.dumps(data)
    response = client.post(
        "/inbound/sms/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {SECRET}"
    )
    assert (response.status_code, response.json()) == (status, {"error": error})
    assert not InboundSms.objects.exists()


def test_the_gateway_must_know_the_secret(settings, siti):
    assert post({"from": siti.phone, "text": "x"}, auth="Bearer wrong").status_code == 401
    assert post({"from": siti.phone, "text": "x"}, auth="").status_code == 401
    body = json.dumps({"from": siti.phone, "text": "Signed"}).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    signed = Client().post(
        "/inbound/sms/", body, content_type="application/json", HTTP_X_HELPDESK_SIGNATURE=f"sha256={signature}"
    )
    assert signed.status_code == 200 and signed.json()["outcome"] == "ticket"
    tampered = Client().post(
        "/inbound/sms/",
        body.replace(b"Signed", b"Forged"),
        content_type="application/json",
        HTTP_X_HELPDESK_SIGNATURE=f"sha256={signature}",
    )
    assert tampered.status_code == 401
    assert Client().get("/inbound/sms/").status_code == 405
    settings.HELPDESK_SMS_INBOUND_SECRET = ""
    assert post({"from": siti.phone, "text": "x"}).status_code == 404
    assert Ticket.objects.count() == 1


def test_twilio_messages_are_checked_by_signature_and_answered_in_twiml(siti, settings):
    data = {"From": "+6281234567890", "To": "+628001", "Body": 'Printer "rusak" & <mati>', "MessageSid": "SM1"}
    response = twilio(data)
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    ticket = Ticket.objects.get()
    assert ticket.description == 'Printer "rusak" & <mati>'
    assert f"<Message>Terima kasih, kami membuka {ticket.reference}" in response.content.decode()
    assert twilio(data, token="someone-else").status_code == 403
    assert twilio({**data, "From": ""}).status_code == 400
    # A retry of the same message changes nothing.
    assert twilio(data).content == response.content
    assert Ticket.objects.count() == 1 and InboundSms.objects.count() == 1
    settings.TWILIO_AUTH_TOKEN = ""
    assert twilio(data).status_code == 404


def test_an_unknown_number_on_twilio_gets_the_refusal_as_its_answer():
    response = twilio({"From": "+15550001111", "Body": "hi", "MessageSid": "SM2"})
    assert "<Message>This number is not known to the helpdesk" in response.content.decode()


def paged_p1(requester):
    ticket = services.ticket_create(
        requester=requester, subject="Server down", description="All down", impact=Impact.HIGH, urgency=Urgency.HIGH
    )
    event = SlaEvent.objects.create(
        ticket=ticket, metric="resolution", threshold="breached", due_at=timezone.now(), level=1
    )
    sla_notice_queue(event=SlaEvent.objects.select_related("ticket__assignee").get(pk=event.pk))
    return ticket


def test_staff_answer_a_page_with_ack_by_sms(siti):
    agent = make_agent(1, phone="+6281200000001", language="en")
    supervisor = make_supervisor(phone="+6281200000002")
    ticket = paged_p1(siti)
    reply = post({"from": agent.phone, "text": f"ack {ticket.reference.lower()} on my way"}).json()
    assert reply == {
        "outcome": "acknowledged",
        "ticket": ticket.reference,
        "reply": f"Page for {ticket.reference} acknowledged. Thank you.",
    }
    page = Page.objects.get(ticket=ticket)
    assert (page.acknowledged_by, page.next_repeat_at) == (agent, None)
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.PAGE_ACKNOWLEDGED, actor=agent).count() == 1
    # Nothing left to answer; no comment was made of it.
    assert post({"from": supervisor.phone, "text": "ACK"}).json()["reply"] == "No page is waiting for you."
    assert post({"from": agent.phone, "text": "ACK HD-999999"}).json()["reply"] == "There is no ticket HD-999999."
    assert not Comment.objects.exists()


def test_ack_alone_answers_the_latest_page_and_a_requester_s_ack_is_just_a_reply(siti):
    supervisor = make_supervisor(phone="+6281200000002", language="en")
    ticket = paged_p1(siti)
    assert post({"from": supervisor.phone, "text": "ACK"}).json()["ticket"] == ticket.reference
    assert Page.objects.get(ticket=ticket).acknowledged_by == supervisor
    reply = post({"from": siti.phone, "text": "ACK"}).json()
    assert reply["outcome"] == "comment"
    assert Comment.objects.get().body == "ACK"


def test_a_stranger_is_answered_in_the_helpdesk_s_language(settings):
    settings.LANGUAGE_CODE = "id"
    reply = post({"from": "+6281299999999", "text": "Halo"}).json()["reply"]
    assert reply.startswith("Nomor ini tidak dikenal oleh helpdesk")
