"""What people receive, character for character: every kind of notification, in English
and in Bahasa Indonesia, about a ticket whose subject, description, replies and reasons
hold ' " < > &, emoji and Indonesian text, sent through the real SMTP backend to a fake
relay and through the HTTP SMS backend to a fake gateway, both on 127.0.0.1.

The plain-text parts and the SMS must carry the text as it was typed (no HTML escaping);
the HTML part must escape it. The expected texts are in ``messages/<language>/``, with
``{ref}``, ``{dup}`` (the duplicate merged into the ticket), ``{pr}`` (the procurement request's reference), ``{url}``, ``{reset_url}``, ``{unsubscribe_url}`` and ``{rate_1}`` … ``{rate_5}``
(the signed rating links of the resolution mail) standing for what differs from run to run."""

import email
import email.policy
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.utils.html import escape

from accounts.choices import Level
from assets.models import Asset
from assets.services import asset_expiry_warn
from escalation.models import EscalationRule
from escalation.services import page_send
from escalation.services.notices import sla_notice_queue, supervisor_page_queue
from notifications.choices import ADDRESS_KINDS, STAFF_KINDS, NotificationChannel, NotificationKind
from notifications.forms import PasswordResetForm
from notifications.models import Notification, NotificationPreference
from notifications.services import notification_deliver_batch
from procurement.models import ProcurementRequest
from procurement.services import component_report_decide, component_report_file, procurement_approve
from satisfaction.services import rating_record
from sla.models import SlaEvent
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tests.fakes.sms_gateway import BODY_TEMPLATE
from tickets import services
from tickets.choices import Impact, Status, Urgency
from tickets.models import Ticket
from tickets.ratings import rating_link_read
from vendors.models import Vendor, VendorContract
from vendors.services import vendor_escalation_create, vendor_reminders_send, vendor_reply_record

pytestmark = pytest.mark.django_db

EXPECTED = Path(__file__).with_name("messages")
BASE_URL = "https://helpdesk.example.co.id"
SUBJECT = 'Laptop won\'t turn on — "layar" <gelap> & 🔥 panas'
DESCRIPTION = "Sudah coba tekan tombol power 10 detik & cabut charger.\nLampu <LED> tidak menyala 😢"
REPLY = 'Please hold the power button for 30 s & tell us if the "battery" light blinks <3 times>.'
REQUESTER_REPLY = "Sudah saya coba 'dua kali' — tetap mati 😩"
ESCALATION_REASON = "Needs the motherboard checked & a spare <laptop> (Level II's bench)"
DEESCALATION_REASON = 'Hardware is fine; it\'s the "BIOS" password <reset it>'
RESOLUTION = 'Reset the BIOS password & updated firmware: "v1.2.3" <ok> 👍'
REOPEN_REASON = "Mati lagi setelah restart & layar berkedip <hitam>"
RULE = 'P1 "not taken" within <10 min> & paged — aturan Level I'
RATING_COMMENT = 'Lama sekali & "tidak" <jelas> 😞'
FAULT = 'Motherboard "mati" & layar <hitam> 🔥'
REPLACE_REASON = "Lebih murah ganti & <garansi> habis"
APPROVAL_REASON = 'Disetujui: "pos" <IT-2026> & segera'
VENDOR_MESSAGE = 'Controller "A" failed & <disk 3> blinks 🔥'
VENDOR_REPLY = "Spare part ships today & the engineer <Agus> comes tomorrow 🚚"
ASSET_NAME = "ThinkPad for a spare <laptop> (Level II's bench)"
DUPLICATE_SUBJECT = 'Laptop "mati" juga & <layar> gelap 😩'

REMINDER_NOTE = 'Call "Telkom" back & ask for <ticket> 📞'
# Pieces of the above with markup characters, as each appears on one line.
TYPED_FRAGMENTS = [
    'won\'t turn on — "layar" <gelap> & 🔥 panas',
    "Lampu <LED> tidak menyala 😢",
    'the "battery" light blinks <3 times>.',
    "Sudah saya coba 'dua kali' — tetap mati 😩",
    "a spare <laptop> (Level II's bench)",
    'it\'s the "BIOS" password <reset it>',
    'updated firmware: "v1.2.3" <ok> 👍',
    "restart & layar berkedip <hitam>",
    "within <10 min> & paged",
    'Lama sekali & "tidak" <jelas> 😞',
    'Motherboard "mati" & layar <hitam> 🔥',
    "Lebih murah ganti & <garansi> habis",
    'Disetujui: "pos" <IT-2026> & segera',
    'Laptop "mati" juga & <layar> gelap 😩',
    "the engineer <Agus> comes tomorrow 🚚",
    'Call "Telkom" back & ask for <ticket> 📞',
]
# A Monday in office hours in Jakarta; the SLA events fell due half an hour later.
FILED = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 30, 2, 30, tzinfo=UTC)


@pytest.fixture
def real_channels(settings, fake_smtp, fake_sms_gateway):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", fake_smtp.port
    settings.SMS_BACKEND = "notifications.sms.http.SmsBackend"
    settings.SMS_HTTP_URL, settings.SMS_HTTP_BODY_TEMPLATE = fake_sms_gateway.url, BODY_TEMPLATE
    settings.HELPDESK_BASE_URL = BASE_URL
    settings.DEFAULT_FROM_EMAIL = "IT Helpdesk <helpdesk@example.co.id>"
    return fake_smtp, fake_sms_gateway


def _person(make, language: str, username: str, first: str, last: str, *levels: int, phone: str = ""):
    person = make(
        *levels, username=f"{username}.{language}", first_name=first, last_name=last, language=language, phone=phone
    )
    if phone:
        # Everything by SMS too, whatever the priority.
        NotificationPreference.objects.create(user=person, sms_kinds=list(STAFF_KINDS), sms_max_priority=4)
    return person


def _everything_happens(language: str):
    """Each kind of notification, raised the way the helpdesk raises it."""
    requester = _person(make_requester, language, "rina", "Rina", "Wulandari-O'Neil")
    front = _person(make_agent, language, "andi", "Andi", "Pratama", Level.I, phone="+6281200000001")
    second = _person(make_agent, language, "budi", "Budi", "Santoso", Level.II, phone="+6281200000002")
    boss = _person(make_supervisor, language, "dewi", "Dewi", "Kusuma", phone="+6281200000009")

    ticket = services.ticket_create(
        requester=requester, subject=SUBJECT, description=DESCRIPTION, impact=Impact.HIGH, urgency=Urgency.HIGH
    )
    services.ticket_take(ticket_id=ticket.pk, by=front)
    services.comment_add(ticket_id=ticket.pk, author=front, body=REPLY)
    services.comment_add(ticket_id=ticket.pk, author=requester, body=REQUESTER_REPLY)
    services.ticket_escalate(ticket_id=ticket.pk, by=front, reason=ESCALATION_REASON)
    services.ticket_deescalate(ticket_id=ticket.pk, by=second, reason=DEESCALATION_REASON)
    services.ticket_take(ticket_id=ticket.pk, by=front)
    for threshold in ("warning_1", "breached"):
        event = SlaEvent.objects.create(ticket=ticket, metric="resolution", threshold=threshold, due_at=DUE, level=1)
        event.ticket.refresh_from_db()
        sla_notice_queue(event=SlaEvent.objects.select_related("ticket__assignee").get(pk=event.pk))
    ticket.refresh_from_db()
    supervisor_page_queue(ticket=ticket, rule=EscalationRule(name=RULE, level=1, trigger="not_taken", minutes=10))
    # A P1 monitoring alert pages the level's agents and the supervisors as alerts.services does.
    page_send(ticket=ticket, kind=NotificationKind.ALERT_PAGE, people=[front, boss], data={"alert": "fp"})
    Asset.objects.create(tag="LT-0042", asset_type="laptop", name="ThinkPad")
    report = component_report_file(
        ticket_id=ticket.pk,
        by=front,
        asset_tag="lt-0042",
        fault=FAULT,
        recommendation="replace",
        estimated_cost="4500000",
    )
    report = component_report_decide(report_id=report.pk, by=boss, decision="replace", reason=REPLACE_REASON)
    procurement_approve(request_id=report.procurement_id, by=boss, reason=APPROVAL_REASON)
    # Snoozed for an hour, back by itself; a reminder with a note of the agent's own.
    services.ticket_snooze(ticket_id=ticket.pk, by=front, until=FILED + timedelta(hours=1))
    services.tickets_snooze_wake(now=FILED + timedelta(hours=1))
    services.reminder_set(ticket_id=ticket.pk, by=front, remind_at=FILED + timedelta(hours=2), note=REMINDER_NOTE)
    services.reminders_send(now=FILED + timedelta(hours=2))
    services.ticket_resolve(ticket_id=ticket.pk, by=front, resolution=RESOLUTION)
    rating_record(ticket_id=ticket.pk, by=requester, score=1, comment=RATING_COMMENT)
    services.ticket_reopen(ticket_id=ticket.pk, by=requester, reason=REOPEN_REASON)
    form = PasswordResetForm(data={"email": requester.email})
    assert form.is_valid()
    form.save(domain_override="ignored.example")
    # Taken to a vendor at Level III: the vendor is chased when overdue and replies by mail;
    # the assignee (Andi) hears of both.
    Ticket.objects.filter(pk=ticket.pk).update(level=Level.III, status=Status.OPEN)
    vendor = Vendor.objects.create(name="PT Server & <Jaringan> 'Nusantara'", email="noc@vendor.example")
    contract = VendorContract.objects.create(
        vendor=vendor, reference="AMC-2026", starts_on=date(2026, 1, 1), response_minutes=60, resolution_minutes=480
    )
    escalation = vendor_escalation_create(
        ticket_id=ticket.pk,
        by=get_user_model().objects.get(username=f"dewi.{language}"),
        vendor_id=vendor.pk,
        contract_id=contract.pk,
        message=VENDOR_MESSAGE,
    )
    vendor_reminders_send(now=FILED + timedelta(hours=2))
    vendor_reply_record(escalation_id=escalation.pk, sender="noc@vendor.example", body=VENDOR_REPLY)
    # A laptop whose warranty ends in ten days: supervisors hear of it (tests/assets).
    Asset.objects.create(
        tag="LAP-0042", asset_type="laptop", name=ASSET_NAME, user=requester, warranty_ends_on=date(2026, 12, 10)
    )
    asset_expiry_warn(today=date(2026, 11, 30))
    # Another requester asked the same; support merges theirs into this one, and both hear of it.
    colleague = _person(make_requester, language, "sekar", "Sekar", "Ayu")
    duplicate = TicketFactory(requester=colleague, subject=DUPLICATE_SUBJECT, level=Level.III, status=Status.OPEN)
    services.ticket_merge(ticket_id=duplicate.pk, by=boss, into_reference=ticket.reference)
    # Resolved and never answered: the requester is told it will close, then it closes.
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Status.RESOLVED, auto_close_notice_at=FILED, auto_close_at=FILED + timedelta(hours=7)
    )
    services.tickets_auto_close(now=FILED)
    services.tickets_auto_close(now=FILED + timedelta(hours=7))
    return ticket


def _expected(language: str, name: str, **values: str) -> str:
    text = (EXPECTED / language / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


@pytest.mark.parametrize("language", ["en", "id"])
def test_every_notification_reads_exactly_as_written(language, real_channels):
    relay, gateway = real_channels
    with time_machine.travel(FILED, tick=False):
        ticket = _everything_happens(language)
    rows = list(Notification.objects.order_by("id"))
    assert notification_deliver_batch(notification_ids=[row.pk for row in rows]) == len(rows)
    rows = list(Notification.objects.select_related("recipient").order_by("id"))

    kinds_by_message_id = {row.provider_id: row for row in rows if row.channel == NotificationChannel.EMAIL}
    reset_rows = [row for row in rows if row.kind == NotificationKind.PASSWORD_RESET]
    reset_url = reset_rows[0].body_text.split("\n\n")[2]
    assert reset_url.startswith(f"{BASE_URL}/accounts/reset/")
    values = {"ref": ticket.reference, "url": f"{BASE_URL}/tickets/{ticket.reference}/", "reset_url": reset_url}
    # The procurement request the replacement opened.
    values["pr"] = ProcurementRequest.objects.get().reference
    # The duplicate merged into the ticket.
    values["dup"] = Ticket.objects.get(merged_into=ticket).reference
    # The resolution mail's rating links, each naming this ticket and its requester.
    [resolved_row] = [row for row in rows if row.kind == NotificationKind.RESOLVED]
    for link in re.findall(rf"{BASE_URL}/rate/[^/\s]+/(\d)/", resolved_row.body_text):
        url = re.search(rf"{BASE_URL}/rate/[^/\s]+/{link}/", resolved_row.body_text).group(0)
        token = url.split("/")[-3]
        assert rating_link_read(token=token).ticket_id == ticket.pk
        values[f"rate_{link}"] = url
    assert sorted(key for key in values if key.startswith("rate_")) == [f"rate_{n}" for n in range(1, 6)]
    seen = set()
    for _to, raw in relay.messages():
        message = email.message_from_bytes(raw, policy=email.policy.default)
        row = kinds_by_message_id[message["Message-ID"]]
        if row.recipient is None:
            continue  # mail to an address without an account (a vendor's): tested where it is sent
        name = f"{row.kind}.{row.recipient.username.split('.')[0]}.email.txt"
        text, html = message.get_body(("plain",)), message.get_body(("html",))
        # Lines end in CRLF on the wire (RFC 5321); the expected texts are read with LF.
        # The subject as a mail program shows it: decoded, without the space that
        # folding puts before the first encoded word.
        subject = message["Subject"].lstrip()
        received = f"Subject: {subject}\n\n{text.get_content()}".replace("\r\n", "\n")
        # The mail's own unsubscribe link, the one its List-Unsubscribe header names.
        unsubscribe_url = (message["List-Unsubscribe"] or "").strip()[1:-1]
        expected = _expected(language, name, **values, unsubscribe_url=unsubscribe_url)
        assert received.encode() == expected.encode(), name
        assert ("{unsubscribe_url}" in _expected(language, name)) == bool(unsubscribe_url), name
        assert html.get_content_type() == "text/html" and text.get_content_charset() == "utf-8"
        body_html = html.get_content()
        assert "&#x27;" not in received and "&amp;" not in received and "&lt;" not in received
        # The HTML part escapes what was typed wherever it shows it.
        for fragment in TYPED_FRAGMENTS:
            if fragment in text.get_content():
                assert escape(fragment) in body_html and fragment not in body_html, (name, fragment)
        seen.add(name)
    expected_mail = {path.name for path in (EXPECTED / language).glob("*.email.txt")}
    assert seen == expected_mail

    sms_rows = {row.delivery_key: row for row in rows if row.channel == NotificationChannel.SMS}
    sms_seen = set()
    for delivery in gateway.deliveries():
        row = sms_rows[delivery.key]
        name = f"{row.kind}.{row.recipient.username.split('.')[0]}.sms.txt"
        assert delivery.body.encode() == _expected(language, name, **values).encode(), name
        sms_seen.add(name)
    assert sms_seen == {path.name for path in (EXPECTED / language).glob("*.sms.txt")}
    # Mail to an address without an account is tested with the mail that causes it (tests/intake).
    assert {row.kind for row in rows if row.recipient_id} == set(NotificationKind.values) - set(ADDRESS_KINDS)


def test_the_reset_mail_is_in_the_person_s_own_language_and_waits_in_the_outbox(client, settings):
    settings.HELPDESK_BASE_URL = BASE_URL
    person = make_requester(username="siti", email="siti@example.co.id", language="id")
    response = client.post("/accounts/password_reset/", {"email": "SITI@example.co.id"})
    assert response.status_code == 302
    [row] = Notification.objects.filter(kind=NotificationKind.PASSWORD_RESET)
    assert (row.recipient_id, row.address, row.channel, row.ticket_id) == (person.pk, person.email, "email", None)
    assert row.subject == "Atur ulang kata sandi helpdesk Anda"
    assert f"{BASE_URL}/accounts/reset/" in row.body_text and "Nama pengguna Anda siti." in row.body_text
    # An address nobody has gets the same answer and no mail.
    assert client.post("/accounts/password_reset/", {"email": "nobody@example.co.id"}).status_code == 302
    assert Notification.objects.filter(kind=NotificationKind.PASSWORD_RESET).count() == 1
    assert django_settings.LANGUAGE_CODE == "en"
