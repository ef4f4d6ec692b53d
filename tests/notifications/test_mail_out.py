"""Mail out as a conversation: every mail about a ticket, as it leaves through the real SMTP
backend to a fake relay on 127.0.0.1 and is read back from the relay, is threaded on the
ticket, answerable to its reply address, tagged once, marked as machine mail, starts with
the reply marker in its reader's language, and (where its reader may turn it off) carries
a one-click unsubscribe link whose page works without signing in."""

import email
import email.policy
import re
from datetime import timedelta
from email.utils import parseaddr
from urllib.parse import quote, urlsplit

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from escalation.models import EscalationRule
from escalation.services.notices import supervisor_page_queue
from notifications.choices import NotificationChannel, NotificationKind
from notifications.forms import PasswordResetForm
from notifications.models import Notification, NotificationPreference
from notifications.selectors import email_kind_wanted
from notifications.services import (
    notification_deliver_batch,
    notification_email_subscription_set,
    unsubscribe_token,
)
from notifications.services.queue import subject_tagged
from notifications.services.unsubscribe import UNSUBSCRIBE_MAX_AGE, UNSUBSCRIBE_SALT
from tests.factories import make_agent, make_requester, make_supervisor
from tests.fuzz.strategies import FUZZ, HOSTILE_TEXT
from tickets import services
from tickets.choices import Impact, Urgency
from tickets.threading import (
    REPLY_MARKER,
    reply_markers,
    ticket_id_from_addresses,
    ticket_id_from_subject,
    ticket_id_from_thread,
    ticket_reply_address,
    ticket_subject_tag,
    ticket_thread_id,
)

pytestmark = pytest.mark.django_db

BASE_URL = "https://helpdesk.example.co.id"
HOSTILE_SUBJECT = 'Printer "lantai 3" <macet> & 🔥 — it\'s stuck'
MESSAGE_ID = re.compile(r"^<helpdesk\.(\d+)\.(\d{20})@example\.co\.id>$")
ACKNOWLEDGEMENT_HINT = {
    "en": "You can reply to this email to add information",
    "id": "Anda dapat membalas email ini untuk menambahkan informasi",
}
STAFF_HINT = {
    "en": "You can reply to this email to answer the requester: your reply is added to the ticket as a public reply",
    "id": "Anda dapat membalas email ini untuk menjawab pemohon: balasan Anda ditambahkan ke tiket sebagai balasan publik",
}
MARKER = {"en": "Reply above this line", "id": "Balas di atas baris ini"}


@pytest.fixture
def relay(settings, fake_smtp):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", fake_smtp.port
    settings.HELPDESK_BASE_URL = BASE_URL
    settings.DEFAULT_FROM_EMAIL = "IT Helpdesk <helpdesk@example.co.id>"
    settings.HELPDESK_REPLY_ADDRESS = "Layanan TI <support@example.co.id>"
    return fake_smtp


def delivered(relay) -> list[tuple[Notification, email.message.EmailMessage]]:
    """Send every email row in the outbox, and read each message back from the relay."""
    rows = list(Notification.objects.filter(channel=NotificationChannel.EMAIL).order_by("id"))
    notification_deliver_batch(notification_ids=[row.pk for row in rows])
    by_id = {row.provider_id: row for row in Notification.objects.filter(channel=NotificationChannel.EMAIL)}
    received = []
    for _to, raw in relay.messages():
        message = email.message_from_bytes(raw, policy=email.policy.default)
        received.append((by_id[message["Message-ID"]], message))
    relay.clear()
    return received


def of_kind(messages, kind: str):
    return [message for row, message in messages if row.kind == kind]


def a_ticket(requester, subject: str = HOSTILE_SUBJECT, *, urgent: bool = False):
    return services.ticket_create(
        requester=requester,
        subject=subject,
        description="Kertas macet & lampu <merah>",
        impact=Impact.HIGH if urgent else Impact.LOW,
        urgency=Urgency.HIGH if urgent else Urgency.MEDIUM,
    )


def ticket_conversation(language: str):
    """A ticket acknowledged, answered, answered back and escalated, in one language."""
    requester = make_requester(username=f"rina.{language}", first_name="Rina", language=language)
    front = make_agent(1, username=f"andi.{language}", first_name="Andi", language=language)
    second = make_agent(2, username=f"budi.{language}", first_name="Budi", language=language)
    ticket = a_ticket(requester)
    services.ticket_take(ticket_id=ticket.pk, by=front)
    services.comment_add(ticket_id=ticket.pk, author=front, body="Coba matikan & nyalakan <lagi>.")
    services.comment_add(ticket_id=ticket.pk, author=requester, body="Sudah, tetap macet 😩")
    services.ticket_escalate(ticket_id=ticket.pk, by=front, reason="Perlu teknisi")
    return ticket, requester, front, second


# --- headers


def test_every_ticket_mail_is_threaded_on_the_ticket_and_answered_to_its_reply_address(relay):
    ticket, requester, front, second = ticket_conversation("en")
    messages = delivered(relay)
    assert {row.kind for row, _m in messages} == {"ticket_created", "reply", "requester_replied", "escalated"}
    thread = ticket_thread_id(ticket)
    message_ids = set()
    for row, message in messages:
        match = MESSAGE_ID.match(message["Message-ID"])
        assert match and int(match.group(1)) == row.pk, message["Message-ID"]
        assert message["Message-ID"] == f"<{row.delivery_key}@example.co.id>" == row.provider_id
        message_ids.add(message["Message-ID"])
        assert message["References"] == thread and message["In-Reply-To"] == thread
        name, address = parseaddr(message["Reply-To"])
        assert (name, address) == ("Layanan TI", ticket_reply_address(ticket))
        assert address.startswith(f"support+{ticket.reference}.") and address.endswith("@example.co.id")
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["X-Auto-Response-Suppress"] == "All"
        assert message["X-Helpdesk-Ticket"] == ticket.reference
        assert message["From"] == "IT Helpdesk <helpdesk@example.co.id>"
        # Multipart: a text and an HTML version of the same mail.
        assert message.get_content_type() == "multipart/alternative"
        assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
        assert all(part.get_content_charset() == "utf-8" for part in message.iter_parts())
        # Tagged exactly once, at the start.
        subject = message["Subject"].lstrip()
        assert subject.startswith(ticket_subject_tag(ticket) + " ") and subject.count(ticket.reference) == 1
    # Every message is its own.
    assert len(message_ids) == len(messages)


def test_the_inbound_side_recognises_a_reply_to_any_mail_sent(relay):
    ticket, *_people = ticket_conversation("en")
    other = a_ticket(make_requester(), subject="Another one")
    for _row, message in delivered(relay):
        if message["X-Helpdesk-Ticket"] != ticket.reference:
            continue
        # What a mail program puts on the reply to this message.
        in_reply_to = message["Message-ID"]
        references = f"{message['References']} {message['Message-ID']}".split()
        assert ticket_id_from_thread([in_reply_to, *reversed(references)]) == ticket.pk
        assert ticket_id_from_thread([message["In-Reply-To"]]) == ticket.pk
        assert ticket_id_from_addresses([message["Reply-To"]]) == ticket.pk
        assert ticket_id_from_addresses([f"Someone <{parseaddr(message['Reply-To'])[1]}>"]) == ticket.pk
        assert ticket_id_from_subject("Re: " + message["Subject"]) == ticket.pk
        assert ticket_id_from_subject("AW: WG: " + message["Subject"]) == ticket.pk
        assert ticket_id_from_thread([ticket_thread_id(other)]) == other.pk != ticket.pk


def test_the_subject_tag_is_there_once_when_the_ticket_s_own_subject_already_carries_tags(relay):
    requester = make_requester()
    agent = make_agent(1)
    ticket = a_ticket(requester)
    other = a_ticket(make_requester())
    delivered(relay)
    tag = ticket_subject_tag(ticket)
    # As a ticket opened from "Re: [HD-…]" mail would be titled, spaced and cased oddly.
    subject = f"Re: [ {ticket.reference.lower()} ] {tag} printer\r\nstuck {ticket_subject_tag(other)}"
    type(ticket).objects.filter(pk=ticket.pk).update(subject=subject)
    services.comment_add(ticket_id=ticket.pk, author=agent, body="On it.")
    [message] = of_kind(delivered(relay), "reply")
    sent = message["Subject"].lstrip()
    assert sent.startswith(tag + " ")
    assert len(re.findall(re.escape(ticket.reference), sent, re.IGNORECASE)) == 1
    assert "\r" not in sent and "\n" not in sent
    # The other ticket's tag, kept as the requester wrote it, comes after this one's.
    assert ticket_subject_tag(other) in sent
    assert ticket_id_from_subject(sent) == ticket.pk


def test_the_reply_address_is_named_after_the_helpdesk_whatever_its_name_holds(relay, settings):
    settings.HELPDESK_REPLY_ADDRESS = "Layanan TI — Jakarta 🔥 <support@example.co.id>"
    ticket = a_ticket(make_requester())
    [(_row, message)] = delivered(relay)
    assert message["Reply-To"].addresses[0].display_name == "Layanan TI — Jakarta 🔥"
    assert ticket_id_from_addresses([str(message["Reply-To"])]) == ticket.pk
    # Neither address has a name: the helpdesk's own, on the sender's mailbox.
    settings.HELPDESK_REPLY_ADDRESS, settings.DEFAULT_FROM_EMAIL = "", "helpdesk@example.co.id"
    ticket = a_ticket(make_requester())
    [(_row, message)] = delivered(relay)
    [address] = message["Reply-To"].addresses
    assert address.display_name == "IT Helpdesk"
    assert address.addr_spec == ticket_reply_address(ticket)
    assert address.addr_spec.startswith(f"helpdesk+{ticket.reference}.")


def test_account_mail_has_no_reply_address_no_thread_no_marker_and_no_unsubscribe(relay):
    person = make_requester(email="siti@example.co.id", language="id")
    form = PasswordResetForm(data={"email": person.email})
    assert form.is_valid()
    form.save(domain_override="ignored.example")
    [(row, message)] = delivered(relay)
    assert row.kind == NotificationKind.PASSWORD_RESET
    for header in ("Reply-To", "References", "In-Reply-To", "List-Unsubscribe", "List-Unsubscribe-Post"):
        assert message[header] is None, header
    assert message["Auto-Submitted"] == "auto-generated"
    assert MESSAGE_ID.match(message["Message-ID"])
    for marker in reply_markers():
        assert marker not in message.get_body(("plain",)).get_content()
        assert marker not in message.get_body(("html",)).get_content()


# --- the text: marker, link, what a reply does, in the reader's language


@pytest.mark.parametrize("language", ["en", "id"])
def test_every_ticket_mail_starts_with_the_reply_marker_and_says_what_a_reply_does(relay, language):
    ticket, requester, front, second = ticket_conversation(language)
    messages = delivered(relay)
    with translation.override(language):
        marker_line = f"##- {REPLY_MARKER} -##"
    assert marker_line == f"##- {MARKER[language]} -##"
    assert MARKER[language] in reply_markers()
    link = f"{BASE_URL}/tickets/{ticket.reference}/"
    for row, message in messages:
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        html = message.get_body(("html",)).get_content()
        assert text.split("\n")[0] == marker_line, (row.kind, text[:200])
        # The HTML's first paragraph is the marker too.
        first_paragraph = re.search(r"<body[^>]*>\s*<p[^>]*>(.*?)</p>", html, re.DOTALL)
        assert first_paragraph and first_paragraph.group(1) == marker_line, row.kind
        assert f'<html lang="{language}">' in html
        assert link in text and f'href="{link}"' in html
        # Nothing the requester typed is escaped in the text, and all of it is in the HTML.
        assert "&amp;" not in text and "&lt;" not in text
        if row.kind in (NotificationKind.TICKET_CREATED, NotificationKind.ESCALATED):
            assert HOSTILE_SUBJECT in text
            assert "Printer &quot;lantai 3&quot; &lt;macet&gt; &amp; 🔥" in html
    [acknowledgement] = of_kind(messages, NotificationKind.TICKET_CREATED)
    for part in ("plain", "html"):
        assert ACKNOWLEDGEMENT_HINT[language] in acknowledgement.get_body((part,)).get_content()
    for kind in (NotificationKind.REQUESTER_REPLIED, NotificationKind.ESCALATED):
        [staff_mail] = of_kind(messages, kind)
        for part in ("plain", "html"):
            assert STAFF_HINT[language] in staff_mail.get_body((part,)).get_content(), (kind, part)
    # The requester is never told to answer themselves.
    for kind in (NotificationKind.TICKET_CREATED, NotificationKind.REPLY):
        [mail] = of_kind(messages, kind)
        assert STAFF_HINT[language] not in mail.get_body(("plain",)).get_content()


# --- unsubscribing


def unsubscribe_link(message) -> str:
    # Long, so folded onto a line of its own on the wire (RFC 5322 folding whitespace).
    header = message["List-Unsubscribe"].strip()
    assert header.startswith(f"<{BASE_URL}/notifications/unsubscribe/") and header.endswith("/>"), header
    return urlsplit(header[1:-1]).path


def test_only_mail_its_reader_may_turn_off_carries_a_one_click_unsubscribe(relay):
    ticket, requester, front, second = ticket_conversation("en")
    services.ticket_resolve(ticket_id=ticket.pk, by=second, resolution="Ganti roller.")
    messages = delivered(relay)
    with_link = {row.kind for row, message in messages if message["List-Unsubscribe"] is not None}
    assert with_link == {"ticket_created", "requester_replied", "escalated"}
    for row, message in messages:
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        if row.kind in with_link:
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            # The same link is at the foot of both versions, for mail programs without the button.
            link = BASE_URL + unsubscribe_link(message)
            assert text.replace("\r\n", "\n").endswith(f"\n-- \nStop getting these emails: {link}\n")
            assert f'<a href="{link}"' in html
        else:  # a reply and a resolution ask something of the requester
            assert row.kind in ("reply", "resolved") and message["List-Unsubscribe-Post"] is None
            assert "/notifications/unsubscribe/" not in text + html
    # Each link is its reader's own.
    links = {row.recipient_id: unsubscribe_link(message) for row, message in messages if row.kind in with_link}
    assert len(set(links.values())) == len(links) == 3


def test_a_mail_program_s_one_click_post_turns_the_acknowledgement_off_for_a_requester(relay):
    requester = make_requester(language="id")
    agent = make_agent(1)
    a_ticket(requester)
    [acknowledgement] = of_kind(delivered(relay), NotificationKind.TICKET_CREATED)
    path = unsubscribe_link(acknowledgement)
    # As RFC 8058 has it: a POST with this one field, no cookie, no CSRF token.
    client = Client(enforce_csrf_checks=True)
    response = client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=requester).essential_email_only is True
    assert response["Content-Language"] == "id"
    assert "Selesai: Anda tidak akan lagi menerima email “Tiket diterima”." in response.content.decode()
    # The next ticket is not acknowledged; support's reply still comes.
    ticket = a_ticket(requester)
    services.comment_add(ticket_id=ticket.pk, author=agent, body="Kami cek.")
    assert [row.kind for row, _m in delivered(relay)] == ["reply"]
    # Again: nothing changes, still fine.
    again = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert again.status_code == 200
    assert NotificationPreference.objects.filter(user=requester).count() == 1


def test_the_page_asks_first_in_the_reader_s_language_without_signing_in(relay):
    agent = make_agent(1, language="id", phone="+6281200000001")
    NotificationPreference.objects.create(user=agent, sms_kinds=["escalated"], sms_max_priority=4)
    path = f"/notifications/unsubscribe/{unsubscribe_token(user=agent, kind=NotificationKind.ESCALATED)}/"
    response = Client().get(path)
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="id"' in page
    assert "Berhenti menerima email “Tiket dieskalasi” dari helpdesk?" in page
    assert 'data-testid="unsubscribe-confirm"' in page and 'method="post"' in page
    assert "/notifications/preferences/" in page
    # Looking is not unsubscribing.
    assert email_kind_wanted(user=agent, kind=NotificationKind.ESCALATED)

    assert Client().post(path).status_code == 200
    preference = NotificationPreference.objects.get(user=agent)
    assert "escalated" not in preference.email_kinds
    # Only that kind, and only by email: every other choice is kept.
    assert set(preference.email_kinds) == {
        "de_escalated",
        "requester_replied",
        "reopened",
        "sla_warning",
        "sla_breach",
        "supervisor_page",
        "low_rating",
        "component_report",
        "component_report_decided",
        "procurement_approval",
        "procurement_decided",
        "vendor_overdue",
        "vendor_replied",
        "asset_expiring",
        "alert_page",
        "snooze_ended",
        "reminder",
    }
    assert preference.sms_kinds == ["escalated"] and preference.sms_max_priority == 4


def test_undo_turns_the_mail_back_on(relay):
    agent = make_agent(1, language="en")
    path = f"/notifications/unsubscribe/{unsubscribe_token(user=agent, kind=NotificationKind.REOPENED)}/"
    client = Client()
    done = client.post(path).content.decode()
    assert "Done: you will no longer get “Ticket reopened” emails." in done
    assert 'name="action" value="undo"' in done
    assert not email_kind_wanted(user=agent, kind=NotificationKind.REOPENED)
    assert "You already get no “Ticket reopened” emails." in client.get(path).content.decode()

    undone = client.post(path, {"action": "undo"}).content.decode()
    assert "Done: you will get “Ticket reopened” emails again." in undone
    assert email_kind_wanted(user=agent, kind=NotificationKind.REOPENED)
    assert sorted(NotificationPreference.objects.get(user=agent).email_kinds).count("reopened") == 1


def supervisor_paged(ticket):
    supervisor_page_queue(ticket=ticket, rule=EscalationRule(name="P1 not taken", level=1, trigger="not_taken"))


def escalated(ticket):
    # A new P1 each time (SMS comes for P1 and P2 unless the person chose otherwise).
    urgent = a_ticket(ticket.requester, urgent=True)
    services.ticket_escalate(ticket_id=urgent.pk, by=make_agent(1), reason="Needs Level II")


def acknowledged(ticket):
    a_ticket(ticket.requester)


@pytest.mark.parametrize(
    ("role", "make", "happens", "kind"),
    [
        ("requester", make_requester, acknowledged, NotificationKind.TICKET_CREATED),
        ("agent", lambda **kw: make_agent(2, **kw), escalated, NotificationKind.ESCALATED),
        ("supervisor", make_supervisor, supervisor_paged, NotificationKind.SUPERVISOR_PAGE),
    ],
)
def test_each_role_turns_off_from_the_mail_what_it_may_and_keeps_the_rest(relay, role, make, happens, kind):
    person = make(phone="+6281200000007")
    ticket = a_ticket(person if role == "requester" else make_requester())
    delivered(relay)
    happens(ticket)
    [message] = [message for row, message in delivered(relay) if row.recipient_id == person.pk and row.kind == kind]
    response = Client(enforce_csrf_checks=True).post(
        unsubscribe_link(message), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    sms_before = Notification.objects.filter(recipient=person, channel=NotificationChannel.SMS).count()

    happens(ticket)

    mail = [row for row, _m in delivered(relay) if row.recipient_id == person.pk and row.kind == kind]
    assert mail == []
    if role != "requester":
        # By email only: the SMS of that kind still comes.
        assert Notification.objects.filter(recipient=person, channel=NotificationChannel.SMS).count() > sms_before


def test_the_link_acts_for_the_person_it_was_sent_to_whoever_is_signed_in(relay):
    requester = make_requester()
    agent = make_agent(2)
    client = Client()
    client.force_login(agent)
    path = f"/notifications/unsubscribe/{unsubscribe_token(user=requester, kind=NotificationKind.TICKET_CREATED)}/"
    assert client.post(path).status_code == 200
    assert NotificationPreference.objects.get(user=requester).essential_email_only is True
    assert not NotificationPreference.objects.filter(user=agent).exists()


def test_a_requester_cannot_turn_off_replies_or_resolutions_nor_anyone_account_mail():
    requester = make_requester()
    for kind in (NotificationKind.REPLY, NotificationKind.RESOLVED, NotificationKind.PASSWORD_RESET):
        token = signing.dumps({"user": requester.pk, "kind": str(kind)}, salt=UNSUBSCRIBE_SALT)
        response = Client().post(f"/notifications/unsubscribe/{token}/")
        assert response.status_code == 400
        assert "This unsubscribe link is not valid." in response.content.decode()
        with pytest.raises(Exception, match="cannot be turned off"):
            notification_email_subscription_set(user=requester, kind=kind, wanted=False)
    assert not NotificationPreference.objects.exists()


def bad_link_refused(token: str, *, says: str = "This unsubscribe link is not valid.") -> None:
    before = list(NotificationPreference.objects.values())
    for method in ("get", "post"):
        response = getattr(Client(), method)(f"/notifications/unsubscribe/{quote(token, safe='')}/")
        if "/" in token:  # a slash, even escaped, makes it another path: no page of ours
            assert response.status_code == 404, (token, method)
            continue
        assert response.status_code == 400, (token, method)
        assert says in response.content.decode(), (token, method)
    assert list(NotificationPreference.objects.values()) == before


def test_a_forged_damaged_or_foreign_token_gets_a_clear_answer_and_changes_nothing():
    requester = make_requester()
    token = unsubscribe_token(user=requester, kind=NotificationKind.TICKET_CREATED)
    value, _sep, signature = token.rpartition(":")
    bad_link_refused(f"{value}:{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}")
    bad_link_refused(token[:-5])
    bad_link_refused(signing.dumps({"user": requester.pk, "kind": "ticket_created"}, salt="another.purpose"))
    # Signed, but not what a link holds.
    for payload in ([requester.pk], {"user": str(requester.pk), "kind": "ticket_created"}, {"user": requester.pk}):
        bad_link_refused(signing.dumps(payload, salt=UNSUBSCRIBE_SALT))
    # A person who is gone or switched off.
    gone = make_agent(1)
    gone_token = unsubscribe_token(user=gone, kind=NotificationKind.ESCALATED)
    type(gone).objects.filter(pk=gone.pk).update(is_active=False)
    bad_link_refused(gone_token)
    for hostile in (*HOSTILE_TEXT, "' \" < > &", "🔥" * 10, "é" * 250, "a\r\nb", " ", "x" * 5000):
        if hostile:  # an empty token is no link of this page at all (404)
            bad_link_refused(hostile)


def test_an_old_link_has_expired():
    agent = make_agent(1)
    with time_machine.travel(timezone.now() - UNSUBSCRIBE_MAX_AGE - timedelta(days=1)):
        token = unsubscribe_token(user=agent, kind=NotificationKind.SLA_WARNING)
    bad_link_refused(token, says="This unsubscribe link has expired.")
    assert email_kind_wanted(user=agent, kind=NotificationKind.SLA_WARNING)


@FUZZ
@given(token=st.text(max_size=300), method=st.sampled_from(["get", "post"]), action=st.text(max_size=50))
def test_a_link_of_any_shape_is_never_a_server_error(token, method, action):
    path = f"/notifications/unsubscribe/{quote(token, safe='')}/"
    response = getattr(Client(), method)(path, {"action": action} if method == "post" else {})
    assert response.status_code in (400, 404)


@pytest.mark.parametrize(
    ("subject", "tag", "expected"),
    [
        ("[HD-000042] New reply: Printer", "[HD-000042]", "[HD-000042] New reply: Printer"),
        ("New reply: Re: [hd-000042]  Printer", "[HD-000042]", "[HD-000042] New reply: Re: Printer"),
        ("[HD-000042] [ HD-000042 ]\r\nPrinter [HD-0000421]", "[HD-000042]", "[HD-000042] Printer [HD-0000421]"),
        ("Reset your password", "", "Reset your password"),
        ("  ", "[HD-000042]", "[HD-000042]"),
    ],
)
def test_a_subject_carries_its_tag_once_at_its_start(subject, tag, expected):
    assert subject_tagged(subject, tag) == expected
