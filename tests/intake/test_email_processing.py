"""A recorded mail becomes a ticket or a comment, or is held, refused or ignored with the
reason: the corpus of real-world-shaped messages (tests/intake/corpus/) and hostile mail."""

import base64
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from accounts.choices import Level
from intake.choices import InboundSource, InboundStatus
from intake.models import InboundMessage, Mailbox
from intake.services import inbound_email_process, inbound_email_record
from notifications.choices import NotificationKind
from notifications.models import FailingAddress, Notification
from tests.factories import make_agent, make_requester, make_supervisor
from tickets import services as ticket_services
from tickets.choices import Channel, Status
from tickets.models import Attachment, Comment, Ticket
from tickets.threading import mail_domain, ticket_reply_address, ticket_thread_id

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parent / "corpus"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture(autouse=True)
def _mail_settings(settings):
    settings.DEFAULT_FROM_EMAIL = "IT Helpdesk <helpdesk@example.org>"
    settings.HELPDESK_REPLY_ADDRESS = "helpdesk@example.org"
    settings.HELPDESK_INBOUND_UNKNOWN_SENDERS = "accept"
    settings.HELPDESK_INBOUND_SENDER_LIMIT = 20
    settings.HELPDESK_INBOUND_SENDER_WINDOW_MINUTES = 60
    settings.LANGUAGE_CODE = "en"


def corpus(name: str, ticket: Ticket | None = None) -> bytes:
    raw = (CORPUS / name).read_bytes()
    if ticket is not None:
        notification = Notification.objects.filter(ticket=ticket, channel="email").order_by("pk").first()
        own_id = f"<{notification.delivery_key}@{mail_domain()}>" if notification else "<none@example.org>"
        for token, value in {
            "@@REF@@": ticket.reference,
            "@@THREAD@@": ticket_thread_id(ticket),
            "@@REPLY_TO@@": ticket_reply_address(ticket),
            "@@NOTIFICATION@@": own_id,
        }.items():
            raw = raw.replace(token.encode(), value.encode())
    return raw


def process(raw: bytes, mailbox=None) -> InboundMessage:
    message, _created = inbound_email_record(raw=raw, source=InboundSource.IMAP, mailbox=mailbox)
    return inbound_email_process(message=message)


def mail(
    *,
    sender="Ann Smith <ann@example.com>",
    to="support@example.org",
    subject="Help",
    body="Something is broken.",
    headers=None,
    files=(),
    message_id=None,
):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for name, maintype, subtype, data in files:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def ann_ticket(**kwargs) -> Ticket:
    ann = get_user_model().objects.filter(email="ann@example.com").first() or make_requester(
        username="ann", email="ann@example.com"
    )
    return ticket_services.ticket_create(
        requester=ann, subject="VPN drops every ten minutes", description="It drops.", urgency="medium", **kwargs
    )


# --- new mail opens a ticket


def test_a_multipart_alternative_mail_from_a_known_requester_opens_a_ticket_from_its_plain_text():
    ann = make_requester(username="ann", email="Ann@Example.com")
    message = process(corpus("alternative.eml"))
    assert message.status == InboundStatus.TICKET and message.attempts == 1 and message.processed_at
    ticket = message.ticket
    assert (ticket.requester, ticket.channel, ticket.subject) == (ann, Channel.EMAIL, "VPN drops every ten minutes")
    assert "laptop LT-0423" in ticket.description and "<p>" not in ticket.description
    assert ticket.reference in message.reason
    assert not ticket.attachments.exists()  # nothing was trimmed, so no copy of the original


def test_an_html_only_outlook_mail_is_read_as_text_and_the_original_is_kept():
    make_requester(username="budi", email="budi@example.com")
    ticket = process(corpus("html-only.eml")).ticket
    assert "Printer HP-3F-01 macet di setiap halaman & lampu oranye berkedip." in ticket.description
    assert "Kertas sudah diganti" in ticket.description
    assert "<" not in ticket.description and "MsoNormal" not in ticket.description
    [original] = ticket.attachments.all()
    assert original.original_name == "original-message.txt" and original.content_type == "text/plain"


def test_an_inline_image_is_kept_as_an_attachment_of_the_ticket():
    make_requester(username="citra", email="citra@example.com")
    ticket = process(corpus("inline-image.eml")).ticket
    names = {a.original_name: a.content_type for a in ticket.attachments.all()}
    assert names["screenshot.png"] == "image/png"
    assert "payroll screen shows this error" in ticket.description


@pytest.mark.parametrize(
    ("name", "subject", "text"),
    [
        ("subject-utf8-base64.eml", "Laptop tidak bisa menyala 💻 — tolong!", "Lampu indikator mati."),
        ("subject-iso-8859-1.eml", "No puedo imprimir en español café", "El informe de café no se imprime"),
    ],
)
def test_encoded_subjects_and_bodies_are_decoded(name, subject, text):
    ticket = process(corpus(name)).ticket
    assert ticket.subject == subject
    assert text in ticket.description


def test_a_forwarded_mail_keeps_what_was_forwarded():
    make_requester(username="ann", email="ann@example.com")
    ticket = process(corpus("forwarded.eml")).ticket
    assert "Could you look at this?" in ticket.description
    assert "---------- Forwarded message ---------" in ticket.description
    assert 'when I open S:\\Finance it says "Access is denied".' in ticket.description


def test_a_malformed_mime_mail_still_opens_a_ticket_with_its_text_and_a_note():
    ticket = process(corpus("malformed-mime.eml")).ticket
    assert "The keyboard of PC-112 types nothing since the update." in ticket.description
    assert "structure was damaged" in ticket.description


def test_an_unknown_sender_is_given_a_requester_account_without_a_usable_password():
    message = process(corpus("subject-utf8-base64.eml"))
    person = message.ticket.requester
    assert (person.email, person.username, person.first_name, person.last_name) == (
        "dewi@example.com",
        "dewi@example.com",
        "Dewi",
        "Lestari",
    )
    assert not person.has_usable_password() and person.groups.filter(name="requester").exists()
    assert not person.has_perm("tickets.work_ticket")


def test_a_mailbox_files_its_tickets_in_its_category_at_its_level():
    from tickets.models import Category

    category = Category.objects.create(name="Network (mail)")
    mailbox = Mailbox.objects.create(name="Network", host="127.0.0.1", username="n", category=category, level=Level.II)
    ticket = process(corpus("alternative.eml"), mailbox=mailbox).ticket
    assert (ticket.category, ticket.level) == (category, Level.II)


def test_an_empty_subject_and_body_still_make_a_ticket_with_notes():
    message = process(mail(subject="", body=""))
    assert message.ticket.subject == "(no subject)"
    assert "(The mail had no text.)" in message.ticket.description


# --- unknown senders by setting


def test_unknown_senders_held_when_the_setting_says_hold_then_processed_again_once_they_have_an_account(settings):
    settings.HELPDESK_INBOUND_UNKNOWN_SENDERS = "hold"
    message = process(mail(sender="Stranger <stranger@example.net>"))
    assert message.status == InboundStatus.HELD and "stranger@example.net" in message.reason
    assert not Ticket.objects.exists() and not get_user_model().objects.filter(email="stranger@example.net").exists()
    make_requester(username="stranger", email="stranger@example.net")
    again = inbound_email_process(message=message)
    assert again.status == InboundStatus.TICKET and again.attempts == 2


def test_unknown_senders_refused_get_one_polite_answer_in_the_helpdesk_s_language(settings):
    settings.HELPDESK_INBOUND_UNKNOWN_SENDERS = "reject"
    settings.LANGUAGE_CODE = "id"
    first = process(mail(sender="Stranger <stranger@example.net>", subject="Tolong <b>", message_id="<s1@x>"))
    second = process(mail(sender="stranger@example.net", subject="Lagi", message_id="<s2@x>"))
    assert first.status == second.status == InboundStatus.REJECTED
    [answer] = Notification.objects.filter(kind=NotificationKind.MAIL_REFUSED)
    assert answer.address == "stranger@example.net" and answer.recipient is None
    assert answer.headers["Auto-Submitted"] == "auto-replied"
    assert "Tolong <b>" in answer.body_text and "Tolong &lt;b&gt;" in answer.body_html
    assert "akun" in answer.body_text  # Indonesian
    assert "a short while ago" not in first.reason and second.reason
    assert not Ticket.objects.exists() and not get_user_model().objects.filter(email="stranger@example.net").exists()


def test_an_auto_reply_from_an_unknown_sender_is_never_answered(settings):
    settings.HELPDESK_INBOUND_UNKNOWN_SENDERS = "reject"
    message = process(mail(sender="bot@example.net", headers={"Auto-Submitted": "auto-replied"}))
    assert message.status == InboundStatus.IGNORED
    assert not Notification.objects.exists()


# --- replies thread


def test_an_outlook_reply_matched_by_in_reply_to_becomes_the_requester_s_comment_trimmed():
    ticket = ann_ticket()
    message = process(corpus("outlook-reply.eml", ticket))
    assert message.status == InboundStatus.COMMENT and message.ticket == ticket
    comment = message.comment
    assert comment.author == ticket.requester and comment.channel == Channel.EMAIL and not comment.is_internal
    assert comment.body == "It happened again at 08:05, right after I connected.\n\nRegards,\nAnn"
    [original] = comment.attachments.all()
    assert original.original_name == "original-message.txt"
    assert b"Please tell us when it happens next time." in original.file.read()


def test_a_gmail_reply_matched_by_the_thread_root_loses_its_quoted_history():
    ticket = ann_ticket()
    comment = process(corpus("gmail-reply.eml", ticket)).comment
    assert comment.body == "Restarting the router fixed it, thank you!"


def test_an_indonesian_gmail_reply_matched_by_the_reply_address_loses_quote_and_signature():
    budi = make_requester(username="budi", email="budi@example.com")
    ticket = ticket_services.ticket_create(requester=budi, subject="Printer", description="Macet.", urgency="medium")
    comment = process(corpus("gmail-reply-indonesian.eml", ticket)).comment
    assert comment.ticket == ticket
    assert comment.body == "Sudah dicoba, tapi printernya masih macet.\n\nSalam,\nBudi"


def test_a_reply_matched_only_by_the_subject_tag_joins_the_ticket():
    ticket = ann_ticket()
    message = process(mail(subject=f"Re: [{ticket.reference}] VPN", body="Still broken.\n\n-- \nAnn\nIT"))
    assert message.status == InboundStatus.COMMENT and message.comment.body == "Still broken."


def test_a_forged_reply_address_matches_nothing_and_opens_a_new_ticket():
    ticket = ann_ticket()
    forged = ticket_reply_address(ticket).replace(ticket.reference, "HD-999999")
    message = process(mail(to=forged, body="Hello"))
    assert message.status == InboundStatus.TICKET and message.ticket != ticket


def test_a_reply_to_a_closed_ticket_opens_a_new_one_that_names_the_old():
    ticket = ann_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    message = process(corpus("gmail-reply.eml", ticket))
    assert message.status == InboundStatus.TICKET and message.ticket != ticket
    assert f"(This mail answered {ticket.reference}, which is closed.)" in message.ticket.description
    assert not Comment.objects.filter(ticket=ticket).exists()


# --- permissions per role


def test_an_agent_at_the_ticket_s_level_replies_publicly_by_mail():
    ticket = ann_ticket()
    agent = make_agent(1, username="agus", email="agus@example.org")
    comment = process(mail(sender="agus@example.org", subject=f"Re: [{ticket.reference}]", body="Try again.")).comment
    assert (comment.author, comment.is_internal, comment.channel) == (agent, False, Channel.EMAIL)
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None and ticket.status == Status.OPEN


def test_an_agent_below_the_ticket_s_level_is_held_with_the_level_rule():
    ticket = ann_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(level=Level.III)
    make_agent(1, username="agus", email="agus@example.org")
    message = process(mail(sender="agus@example.org", subject=f"Re: [{ticket.reference}]", body="Done."))
    assert message.status == InboundStatus.HELD and "Level III" in message.reason
    assert not Comment.objects.filter(ticket=ticket).exists()


def test_a_supervisor_replies_at_any_level():
    ticket = ann_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(level=Level.III)
    supervisor = make_supervisor(username="sri", email="sri@example.org")
    message = process(mail(sender="SRI@example.org", subject=f"Re: [{ticket.reference}]", body="On it."))
    assert message.status == InboundStatus.COMMENT and message.comment.author == supervisor


@pytest.mark.parametrize("sender", ["colleague@example.com", "unknown@elsewhere.example"])
def test_a_sender_neither_requester_nor_staff_is_held_and_nothing_is_added(sender):
    ticket = ann_ticket()
    if sender.startswith("colleague"):
        make_requester(username="colleague", email=sender)
    message = process(mail(sender=sender, subject=f"Re: [{ticket.reference}]", body="Me too!"))
    assert message.status == InboundStatus.HELD and "neither the requester" in message.reason
    assert not Comment.objects.filter(ticket=ticket).exists()
    assert not get_user_model().objects.filter(email="unknown@elsewhere.example").exists()


# --- loops and floods


def test_an_auto_reply_to_a_notification_is_ignored_and_never_answered():
    ticket = ann_ticket()
    before = Notification.objects.count()
    message = process(corpus("auto-reply.eml", ticket))
    assert message.status == InboundStatus.IGNORED and "Auto-Submitted" in message.reason
    assert not Comment.objects.filter(ticket=ticket).exists() and Notification.objects.count() == before


def test_a_delivery_status_bounce_marks_the_address_failing_and_is_shown_in_the_delivery_log(client):
    message = process(corpus("dsn-bounce.eml"))
    assert message.status == InboundStatus.IGNORED and "gone@example.net" in message.reason
    failing = FailingAddress.objects.get(address="gone@example.net")
    assert failing.status_code == "5.1.1" and "User unknown" in failing.reason and failing.bounces == 1
    assert not Ticket.objects.exists()
    client.force_login(make_supervisor(username="sri"))
    page = client.get("/notifications/")
    assert page.status_code == 200 and b"gone@example.net" in page.content
    client.force_login(make_requester(username="rudi"))
    assert client.get("/notifications/").status_code == 403


def test_a_second_bounce_counts_on_the_same_row():
    process(corpus("dsn-bounce.eml"))
    process(corpus("dsn-bounce.eml").replace(b"20261201070002", b"20261201080002"))
    assert FailingAddress.objects.get(address="gone@example.net").bounces == 2


def test_mailing_list_mail_is_ignored():
    message = process(corpus("mailing-list.eml"))
    assert message.status == InboundStatus.IGNORED and not Ticket.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "Out of office"},
        {"List-Unsubscribe": "<mailto:leave@example.com>"},
        {"Return-Path": "<>"},
        {"Auto-Submitted": "auto-generated"},
    ],
)
def test_machine_mail_is_recognised_by_its_headers(headers):
    assert process(mail(headers=headers)).status == InboundStatus.IGNORED


def test_auto_submitted_no_is_a_person_writing():
    assert process(mail(headers={"Auto-Submitted": "no"})).status == InboundStatus.TICKET


def test_mail_from_a_mailer_daemon_or_postmaster_is_ignored():
    assert process(mail(sender="MAILER-DAEMON@mx.example.org", message_id="<d1@x>")).status == InboundStatus.IGNORED
    assert process(mail(sender="postmaster@example.com", message_id="<d2@x>")).status == InboundStatus.IGNORED


def test_our_own_mail_coming_back_is_ignored():
    ticket = ann_ticket()
    notification = Notification.objects.filter(ticket=ticket).first()
    own = f"<{notification.delivery_key}@{mail_domain()}>"
    message = process(mail(sender="someone@example.com", message_id=own, headers={"X-Helpdesk-Ticket": "x"}))
    assert message.status == InboundStatus.IGNORED and "own mail" in message.reason
    assert process(mail(sender="helpdesk@example.org", message_id="<o2@x>")).status == InboundStatus.IGNORED


def test_an_auto_reply_storm_of_200_mails_opens_nothing_and_answers_nothing():
    ticket = ann_ticket()
    before = Notification.objects.count()
    for number in range(200):
        raw = corpus("auto-reply.eml", ticket).replace(b"OOF0001", f"OOF{number:04d}".encode())
        process(raw)
    assert InboundMessage.objects.filter(status=InboundStatus.IGNORED).count() == 200
    assert Ticket.objects.count() == 1 and not Comment.objects.exists()
    assert Notification.objects.count() == before


def test_a_runaway_sender_is_held_past_the_limit(settings):
    settings.HELPDESK_INBOUND_SENDER_LIMIT = 3
    results = [process(mail(subject=f"Help {n}", message_id=f"<run{n}@x>")).status for n in range(5)]
    assert results == [InboundStatus.TICKET] * 3 + [InboundStatus.HELD] * 2
    assert Ticket.objects.count() == 3
    held = InboundMessage.objects.filter(status=InboundStatus.HELD).first()
    assert "3 tickets by mail in 60 minutes" in held.reason
    # Replies to an existing ticket are not new tickets: they still go through.
    ticket = Ticket.objects.first()
    reply = process(mail(subject=f"Re: [{ticket.reference}]", body="more", message_id="<run-reply@x>"))
    assert reply.status == InboundStatus.COMMENT


# --- attachments


def test_each_file_is_checked_on_its_own_and_a_refused_one_is_named_in_a_note(settings):
    files = [
        ("report.pdf", "application", "pdf", b"%PDF-1.4\n%hello\n"),
        ("setup.exe", "application", "octet-stream", b"MZ\x90\x00"),
        ("empty.txt", "text", "plain", b""),
    ]
    ticket = process(mail(body="See attached.", files=files)).ticket
    assert {a.original_name for a in ticket.attachments.all()} == {"report.pdf"}
    assert "“setup.exe” was not attached: Files of type “exe” are not accepted." in ticket.description
    assert "“empty.txt” was not attached" in ticket.description


def test_a_ten_megabyte_attachment_over_the_limit_is_dropped_with_a_note_and_the_mail_kept(settings):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 100)
    files = [("scan.pdf", "application", "pdf", big), ("photo.png", "image", "png", PNG)]
    message = process(mail(body="Scanned.", files=files))
    assert message.status == InboundStatus.TICKET
    ticket = message.ticket
    assert {a.original_name for a in ticket.attachments.all()} == {"photo.png"}
    assert "“scan.pdf” was not attached:" in ticket.description and "the limit is 10.0" in ticket.description


def test_a_file_whose_declared_type_lies_is_typed_by_its_content():
    ticket = process(mail(files=[("notes.png", "image", "png", b"plain words, not an image")])).ticket
    [attachment] = Attachment.objects.filter(ticket=ticket)
    assert attachment.content_type == "application/octet-stream"


# --- once, and again on request


def test_processing_the_same_message_twice_makes_one_ticket():
    message, _ = inbound_email_record(raw=corpus("alternative.eml"), source=InboundSource.IMAP)
    first = inbound_email_process(message=message)
    again = inbound_email_process(message=message)
    assert Ticket.objects.count() == 1 and again.attempts == 1 and again.ticket == first.ticket
    recorded_again, created = inbound_email_record(raw=corpus("alternative.eml"), source=InboundSource.IMAP)
    assert not created and inbound_email_process(message=recorded_again).ticket == first.ticket
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"\x89PNG\r\n\x1a\n" + PNG, "no mail headers"),
        (b"Subject: no sender here\r\n\r\nHello", "no sender address"),
        (b"From: <<<>>>\r\nSubject: x\r\n\r\nHi", "no sender address"),
    ],
)
def test_a_message_that_cannot_be_read_fails_with_a_reason_and_can_be_tried_again(raw, why):
    message = process(raw)
    assert message.status == InboundStatus.FAILED and why in message.reason
    assert InboundMessage.objects.filter(pk=message.pk).exists() and not Ticket.objects.exists()
    again = inbound_email_process(message=message)
    assert again.status == InboundStatus.FAILED and again.attempts == 2


def test_a_missing_stored_copy_fails_with_a_reason():
    message, _ = inbound_email_record(raw=corpus("alternative.eml"), source=InboundSource.IMAP)
    message.raw.storage.delete(message.raw.name)
    assert "cannot be read" in inbound_email_process(message=message).reason


# --- hostile input


def test_hostile_headers_and_text_are_stored_as_text():
    name = "Ω" * 250
    subject = "' \" < > & 💥 " + "ü" * 250
    raw = mail(sender=f'"{name}" <hostile@example.com>', subject=subject, body="<script>alert(1)</script> ' \" & 😀")
    ticket = process(raw).ticket
    assert ticket.subject.startswith("' \" < > & 💥 ü") and len(ticket.subject) <= 200
    assert "<script>alert(1)</script> ' \" & 😀" in ticket.description
    person = ticket.requester
    assert set(person.first_name) == {"Ω"} and len(person.first_name) <= 150 and len(person.last_name) <= 150


def test_cr_lf_in_encoded_headers_cannot_add_headers_or_lines():
    evil = base64.b64encode(b"Printer\r\nBcc: victim@example.com").decode()
    raw = (
        "From: Ann <ann@example.com>\r\nTo: support@example.org\r\n"
        f"Subject: =?utf-8?b?{evil}?=\r\nMessage-ID: <crlf@x>\r\n\r\nBody\r\n"
    ).encode()
    ticket = process(raw).ticket
    assert ticket.subject == "Printer Bcc: victim@example.com"


def test_a_huge_body_is_cut_and_kept_whole_as_an_attachment():
    body = ("All work and no play. " * 50 + "\n") * 3000  # about 3.3 MB
    ticket = process(mail(body=body)).ticket
    assert len(ticket.description) < 110_000 and "The text was cut at" in ticket.description
    [original] = ticket.attachments.all()
    assert original.original_name == "original-message.txt" and original.size > 3_000_000


def test_multiparts_nested_fifty_deep_are_read():
    inner = EmailMessage()
    inner.set_content("Deep inside.")
    part = inner
    for _depth in range(50):
        outer = EmailMessage()
        outer.make_mixed()
        outer.attach(part)
        part = outer
    part["From"] = "Ann <ann@example.com>"
    part["To"] = "support@example.org"
    part["Subject"] = "Nested"
    message = process(part.as_bytes())
    assert message.status == InboundStatus.TICKET and "Deep inside." in message.ticket.description


def test_an_unknown_charset_is_read_as_utf8():
    raw = (
        "From: Ann <ann@example.com>\r\nTo: s@example.org\r\nSubject: =?x-unknown?q?caf=C3=A9?=\r\n"
        "Message-ID: <cs@x>\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\ncaf\xc3\xa9 ok\r\n"
    ).encode("latin-1")
    message = process(raw)
    assert message.status == InboundStatus.TICKET and "café ok" in message.ticket.description


def test_the_refusal_goes_out_as_an_automatic_answer(settings, django_capture_on_commit_callbacks, mailoutbox):
    settings.HELPDESK_INBOUND_UNKNOWN_SENDERS = "reject"
    with django_capture_on_commit_callbacks(execute=True):
        process(mail(sender="Stranger <stranger@example.net>", subject="Printer ' \" < > & 😀"))
    [sent] = mailoutbox
    assert sent.to == ["stranger@example.net"] and sent.extra_headers["Auto-Submitted"] == "auto-replied"
    assert "Printer ' \" < > & 😀" in sent.subject and "&amp;" not in sent.body


def test_attachment_names_with_paths_and_line_breaks_are_cleaned():
    raw = (
        b"From: Ann <ann@example.com>\r\nTo: s@example.org\r\nSubject: files\r\nMessage-ID: <names@x>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nSee file.\r\n"
        b"--b\r\nContent-Type: text/plain\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''..%2F..%2Fetc%2Fpasswd%0D%0ABcc%3A%20x.txt\r\n\r\n"
        b"root:x:0:0\r\n--b--\r\n"
    )
    ticket = process(raw).ticket
    [attachment] = ticket.attachments.all()
    assert "/" not in attachment.original_name and "\n" not in attachment.original_name
    assert attachment.original_name.endswith(".txt")


def test_failing_addresses_are_for_supervisors_and_administrators_only(client):
    from django.contrib.auth import get_user_model as users

    process(corpus("dsn-bounce.eml"))
    client.force_login(make_agent(1, username="agus"))
    assert client.get("/notifications/").status_code == 403
    admin = users().objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    listing = client.get("/admin/notifications/failingaddress/")
    assert listing.status_code == 200 and b"gone@example.net" in listing.content
    row = FailingAddress.objects.get()
    assert client.get(f"/admin/notifications/failingaddress/{row.pk}/change/").status_code == 200
    assert client.get("/admin/notifications/failingaddress/add/").status_code == 403


def test_a_database_failure_leaves_the_message_received_for_the_next_try(monkeypatch):
    from django.db import OperationalError

    import intake.services.email as processing

    message, _ = inbound_email_record(raw=corpus("alternative.eml"), source=InboundSource.IMAP)

    def database_gone(row):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(processing, "_decide", database_gone)
    with pytest.raises(OperationalError):
        inbound_email_process(message=message)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.processed_at) == (InboundStatus.RECEIVED, 0, None)


def test_an_unforeseen_error_after_the_ticket_was_written_saves_no_half_ticket(monkeypatch):
    import intake.services.email as processing

    real_create = processing.ticket_create

    def create_then_fail(**kwargs):
        real_create(**kwargs)
        raise RuntimeError("boom")

    monkeypatch.setattr(processing, "ticket_create", create_then_fail)
    message = process(corpus("alternative.eml"))
    assert message.status == InboundStatus.FAILED and "RuntimeError: boom" in message.reason
    assert not Ticket.objects.exists() and not Notification.objects.exists() and message.ticket is None


@pytest.mark.django_db(transaction=True)
def test_two_workers_processing_one_message_at_once_make_one_ticket(reference_data):
    import threading

    from django.db import connection

    message, _ = inbound_email_record(raw=corpus("alternative.eml"), source=InboundSource.IMAP)
    barrier = threading.Barrier(2, timeout=30)
    results = []

    def work():
        try:
            barrier.wait()
            results.append(inbound_email_process(message=InboundMessage.objects.get(pk=message.pk)).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [InboundStatus.TICKET, InboundStatus.TICKET]
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.get(pk=message.pk).attempts == 1


def test_ignoring_an_auto_reply_costs_a_few_queries_whatever_the_history(django_assert_max_num_queries):
    ticket = ann_ticket()
    for number in range(30):
        process(corpus("auto-reply.eml", ticket).replace(b"OOF0001", f"OLD{number:04d}".encode()))
    message, _ = inbound_email_record(raw=corpus("auto-reply.eml", ticket), source=InboundSource.IMAP)
    with django_assert_max_num_queries(6):
        assert inbound_email_process(message=message).status == InboundStatus.IGNORED


# --- the helpdesk's mail answers the mail that opened the ticket


def test_the_acknowledgement_answers_the_mail_that_opened_the_ticket(django_capture_on_commit_callbacks):
    make_requester(username="ann", email="ann@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        message = process(mail(subject="Printer jammed", message_id="<first.7f3a@mail.example.com>"))
    ticket = message.ticket
    assert ticket.source_message_id == "<first.7f3a@mail.example.com>"
    [ack] = Notification.objects.filter(ticket=ticket, kind=NotificationKind.TICKET_CREATED)
    assert ack.headers["In-Reply-To"] == "<first.7f3a@mail.example.com>"
    assert ack.headers["References"] == f"<first.7f3a@mail.example.com> {ticket_thread_id(ticket)}"
    # A ticket filed on the web has no first mail: its mail names the thread root alone.
    web = ann_ticket()
    [web_ack] = Notification.objects.filter(ticket=web, kind=NotificationKind.TICKET_CREATED)
    assert web_ack.headers["In-Reply-To"] == web_ack.headers["References"] == ticket_thread_id(web)


def test_a_follow_up_to_the_first_mail_joins_its_ticket_and_nobody_else_s_opens_one():
    make_requester(username="ann", email="ann@example.com")
    make_requester(username="boss", email="boss@example.com")
    first = process(mail(subject="Printer jammed", message_id="<first.91bc@mail.example.com>"))
    thread = {"In-Reply-To": "<first.91bc@mail.example.com>", "References": "<first.91bc@mail.example.com>"}
    # Ann answers her own mail (her mail program threads on it, not on the helpdesk's).
    follow_up = process(
        mail(subject="Re: Printer jammed", body="Forgot: floor 3.", message_id="<ann.2@x.example>", headers=thread)
    )
    assert (follow_up.status, follow_up.ticket_id) == (InboundStatus.COMMENT, first.ticket_id)
    assert Comment.objects.get().body == "Forgot: floor 3."
    # Her boss answers all: matched to the same ticket, and held by its rules (not the requester).
    boss = process(
        mail(
            sender="boss@example.com", subject="Re: Printer jammed", body="Me too", message_id="<b.1@x>", headers=thread
        )
    )
    assert boss.status == InboundStatus.HELD and "neither the requester" in boss.reason
    assert Ticket.objects.count() == 1


def test_a_made_up_message_id_is_not_kept_as_the_first_mail():
    make_requester(username="ann", email="ann@example.com")
    message = process(mail(subject="No id"))
    assert message.ticket.source_message_id == ""
