"""The administrators' pages for email in: mailboxes (a password written, never shown, kept
encrypted; the connection checked on demand) and every mail that came in (read-only,
downloadable, handed back for another try)."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile

from accounts.choices import Role
from accounts.services import user_set_role
from intake import admin as intake_admin
from intake.choices import InboundSource, InboundStatus, MailboxSecurity
from intake.crypto import password_decrypt
from intake.models import InboundMessage, Mailbox
from tests.api.permission_matrix import make_admin
from tests.factories import UserFactory, make_agent, make_requester
from tests.intake.imap_server import PASSWORD

pytestmark = pytest.mark.django_db

ADD = "/admin/intake/mailbox/add/"


@pytest.fixture
def admin_client(client):
    client.force_login(make_admin())
    return client


def form(**changes) -> dict:
    data = {
        "name": "Support",
        "is_active": "on",
        "host": "imap.example.com",
        "port": "993",
        "security": MailboxSecurity.SSL,
        "username": "support@example.com",
        "password": "s3cret 🙂 \"'<>&",
        "folder": "INBOX",
        "category": "",
        "level": "",
    }
    data.update(changes)
    return data


def test_an_administrator_adds_a_mailbox_whose_password_is_kept_encrypted_and_never_shown(admin_client):
    response = admin_client.post(ADD, form())

    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert "s3cret" not in mailbox.password_encrypted
    assert password_decrypt(mailbox.password_encrypted) == "s3cret 🙂 \"'<>&"
    page = admin_client.get(f"/admin/intake/mailbox/{mailbox.pk}/change/").content.decode()
    assert "s3cret" not in page and mailbox.password_encrypted not in page
    assert 'type="password"' in page


def test_saving_a_mailbox_without_a_new_password_keeps_the_stored_one(admin_client):
    admin_client.post(ADD, form())
    mailbox = Mailbox.objects.get()

    response = admin_client.post(f"/admin/intake/mailbox/{mailbox.pk}/change/", form(password="", folder="Support"))

    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.folder == "Support" and password_decrypt(mailbox.password_encrypted) == "s3cret 🙂 \"'<>&"


@pytest.mark.parametrize(
    "changes",
    [
        {"password": ""},
        {"password": "a\x00b"},
        {"host": "imap.example.com\r\nX: y"},
        {"host": "' \" < > &"},
        {"host": ""},
        {"port": "0"},
        {"port": "65536"},
        {"port": "🙂"},
        {"username": "support\r\nA1 LOGOUT"},
        {"folder": "INBOX\r\nA1 DELETE INBOX"},
        {"name": "x" * 250},
        {"security": "plain"},
    ],
    ids=repr,
)
def test_a_mailbox_form_with_bad_input_is_refused_and_saves_nothing(admin_client, changes):
    response = admin_client.post(ADD, form(**changes))

    assert response.status_code == 200
    assert Mailbox.objects.count() == 0


def test_checking_the_connection_says_what_it_found(admin_client, imap, mail_user, make_mailbox):
    good = make_mailbox(mail_user, name="Good")
    unreachable = make_mailbox(mail_user, name="Unreachable")
    Mailbox.objects.filter(pk=unreachable.pk).update(port=1)

    response = admin_client.post(
        "/admin/intake/mailbox/",
        {"action": "check_connection", "_selected_action": [good.pk, unreachable.pk]},
        follow=True,
    )

    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert any(text.startswith("Good: Connected to 127.0.0.1") and "holds 0 message(s)" in text for text in said)
    assert any(text.startswith("Unreachable: Could not connect to 127.0.0.1:1") for text in said)


@pytest.mark.parametrize("role", ["requester", "agent", "supervisor"])
def test_nobody_but_an_administrator_reaches_mailboxes_or_inbound_mail(client, role):
    person = {"requester": make_requester, "agent": lambda: make_agent(1), "supervisor": None}[role]
    if person is None:
        person = UserFactory()
        user_set_role(user=person, role=Role.SUPERVISOR)
    else:
        person = person()
    client.force_login(person)
    message = inbound(status=InboundStatus.HELD)

    for path in (
        "/admin/intake/mailbox/",
        "/admin/intake/inboundmessage/",
        f"/admin/intake/inboundmessage/{message.pk}/raw/",
    ):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), path


def test_an_administrator_without_superuser_rights_manages_them_by_role(client):
    person = UserFactory()
    user_set_role(user=person, role=Role.ADMIN)
    client.force_login(person)
    message = inbound(status=InboundStatus.HELD)

    assert client.get("/admin/intake/mailbox/add/").status_code == 200
    assert client.get("/admin/intake/inboundmessage/").status_code == 200
    assert client.get(f"/admin/intake/inboundmessage/{message.pk}/raw/").status_code == 200


def inbound(*, status: str, raw: bytes = b"Subject: <script>alert(1)</script>\r\n\r\n<html>hi</html>\r\n", **fields):
    message = InboundMessage(
        message_id=fields.pop("message_id", f"<{status}-{InboundMessage.objects.count()}@example.com>"),
        source=InboundSource.IMAP,
        sender="Rina <rina@example.com>",
        subject="<script>alert(1)</script>",
        status=status,
        reason=fields.pop("reason", "Sender unknown"),
        size=len(raw),
        **fields,
    )
    message.raw.save("mail.eml", ContentFile(raw), save=False)
    message.save()
    return message


def test_the_inbound_list_filters_searches_and_shows_the_reason(admin_client):
    inbound(status=InboundStatus.HELD, reason="Sender unknown 🙂")
    inbound(status=InboundStatus.FAILED, reason="Malformed MIME")

    listed = admin_client.get("/admin/intake/inboundmessage/", {"status__exact": "failed"}).content.decode()
    searched = admin_client.get("/admin/intake/inboundmessage/", {"q": "rina"}).content.decode()

    assert "Malformed MIME" in listed and "Sender unknown" not in listed
    assert "Sender unknown 🙂" in searched and "Malformed MIME" in searched
    assert "<script>alert(1)</script>" not in searched, "escaped"
    for name in ("source__exact=imap", "mailbox__id__exact=1"):
        assert admin_client.get(f"/admin/intake/inboundmessage/?{name}").status_code == 200


def test_the_raw_mail_downloads_as_an_attachment_never_rendered(admin_client):
    raw = b"Subject: <script>alert(1)</script>\r\nContent-Type: text/html\r\n\r\n<script>alert(2)</script>\r\n"
    message = inbound(status=InboundStatus.FAILED, raw=raw)

    response = admin_client.get(f"/admin/intake/inboundmessage/{message.pk}/raw/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == raw
    assert response["Content-Disposition"] == f'attachment; filename="inbound-{message.pk}.eml"'
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert admin_client.get("/admin/intake/inboundmessage/999999/raw/").status_code == 404


def test_inbound_mail_is_read_only(admin_client):
    message = inbound(status=InboundStatus.HELD)

    assert admin_client.get("/admin/intake/inboundmessage/add/").status_code == 403
    assert admin_client.post(f"/admin/intake/inboundmessage/{message.pk}/delete/", {"post": "yes"}).status_code == 403
    page = admin_client.get(f"/admin/intake/inboundmessage/{message.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    admin_client.post(f"/admin/intake/inboundmessage/{message.pk}/change/", {"status": "ticket", "reason": "x"})
    message.refresh_from_db()
    assert (message.status, message.reason) == (InboundStatus.HELD, "Sender unknown")


def test_processing_again_takes_the_retryable_ones_and_says_which_were_left(admin_client, monkeypatch):
    held = inbound(status=InboundStatus.HELD)
    failed = inbound(status=InboundStatus.FAILED)
    done = inbound(status=InboundStatus.TICKET)
    handed = []

    def process(*, message):
        handed.append(message.pk)
        return message

    monkeypatch.setattr(intake_admin, "inbound_email_process", process)
    response = admin_client.post(
        "/admin/intake/inboundmessage/",
        {"action": "process_again", "_selected_action": [held.pk, failed.pk, done.pk]},
        follow=True,
    )

    assert sorted(handed) == sorted([held.pk, failed.pk])
    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert "2 messages processed again." in said
    assert any(text.startswith("1 message was left as it is") for text in said)


def test_processing_again_with_the_real_processing_moves_the_mail_on(admin_client):
    message = inbound(status=InboundStatus.FAILED)

    admin_client.post("/admin/intake/inboundmessage/", {"action": "process_again", "_selected_action": [message.pk]})

    message.refresh_from_db()
    assert message.processed_at is not None, "processed again, whatever the processing decided"


def test_the_check_connection_reports_a_wrong_password_clearly(admin_client, lonely_imap):
    user = lonely_imap.add_user("helpdesk", password=PASSWORD)
    mailbox = Mailbox.objects.create(
        name="Wrong", host=lonely_imap.host, port=lonely_imap.imaps_port, username=user, security=MailboxSecurity.SSL
    )

    response = admin_client.post(
        "/admin/intake/mailbox/", {"action": "check_connection", "_selected_action": [mailbox.pk]}, follow=True
    )

    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("refused the user name or password" in text for text in said)


def test_saving_a_mailbox_after_a_new_key_is_put_first_encrypts_its_password_with_it(admin_client, settings):
    old = "q7O1kqg0Xv9mYkq8u9n6J7n1H8m3b2Qy0x5Zc4W3v2A="
    new = "Vb4v7kQbO5mJ9m8tYwq3nR2xZk1s0pLd6fHc3gTe8uI="
    settings.HELPDESK_MAILBOX_KEY = old
    admin_client.post(ADD, form(password="rotate-me"))
    mailbox = Mailbox.objects.get()

    settings.HELPDESK_MAILBOX_KEY = f"{new},{old}"
    admin_client.post(f"/admin/intake/mailbox/{mailbox.pk}/change/", form(password=""))

    settings.HELPDESK_MAILBOX_KEY = new
    mailbox.refresh_from_db()
    assert password_decrypt(mailbox.password_encrypted) == "rotate-me"
