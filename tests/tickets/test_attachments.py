"""Attachments through the pages and the services: stored under names of their own, shown
and downloaded under the names people gave them, served with the type their content shows
and never run by the browser; a hostile name is cleaned or refused, never a 500 and never
a half-saved ticket or comment."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import TicketFactory, make_agent, make_requester
from tests.tickets.attachment_support import (
    HTML,
    LONG_NAME,
    MULTIPART,
    PDF,
    STORED_NAME,
    SVG,
    downloaded_name,
    multipart,
    png,
    served_safely,
)
from tickets import services
from tickets.choices import EventKind
from tickets.exceptions import TicketError
from tickets.models import Attachment, Comment, Ticket, TicketEvent
from tickets.validators import attachment_name_clean

pytestmark = pytest.mark.django_db

NEW_TICKET = {"subject": "Cannot print", "impact": "low", "urgency": "high", "description": "Paper jam on floor 3"}


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def download(client, attachment: Attachment):
    response = client.get(reverse("tickets:attachment", kwargs={"pk": attachment.pk}))
    assert response.status_code == 200
    served_safely(response)
    return response


def file_ticket(upload, requester=None) -> Ticket:
    return services.ticket_create(
        requester=requester or make_requester(), subject="Log", description="see", urgency="low", attachments=[upload]
    )


# --- long Unicode names


def test_a_file_named_in_200_accented_letters_is_filed_through_the_form_and_downloaded_under_its_name(client):
    requester = make_requester()
    client.force_login(requester)
    upload = SimpleUploadedFile(LONG_NAME, b"printer says PC LOAD LETTER", content_type="text/plain")
    response = client.post("/tickets/new/", {**NEW_TICKET, "attachment": upload})
    assert response.status_code == 302
    attachment = Ticket.objects.get().attachments.get()
    assert attachment.original_name == LONG_NAME
    assert STORED_NAME.fullmatch(attachment.file.name), attachment.file.name
    assert attachment.file.name.endswith(".txt")
    assert [path.name for path in stored_files()] == [Path(attachment.file.name).name]
    assert LONG_NAME in client.get(attachment.ticket.get_absolute_url()).content.decode()
    served = download(client, attachment)
    assert downloaded_name(served) == LONG_NAME
    assert b"".join(served.streaming_content) == b"printer says PC LOAD LETTER"


def test_a_reply_with_a_file_named_in_200_accented_letters_is_saved_whole(client):
    requester = make_requester()
    ticket = TicketFactory(requester=requester)
    client.force_login(requester)
    response = client.post(
        reverse("tickets:comment", kwargs={"reference": ticket.reference}),
        {"body": "Here is the log.", "attachment": SimpleUploadedFile(LONG_NAME, b"boom", content_type="text/plain")},
    )
    assert response.status_code == 302
    comment = Comment.objects.get(ticket=ticket)
    attachment = comment.attachments.get()
    assert (comment.body, attachment.original_name) == ("Here is the log.", LONG_NAME)
    assert STORED_NAME.fullmatch(attachment.file.name)
    assert downloaded_name(download(client, attachment)) == LONG_NAME


def test_a_name_longer_than_255_characters_is_shortened_keeping_its_extension():
    ticket = file_ticket(SimpleUploadedFile("é" * 300 + ".log", b"x"))
    name = ticket.attachments.get().original_name
    assert (len(name), name) == (255, "é" * 251 + ".log")


# --- what a file really is


@pytest.mark.parametrize(
    ("name", "content", "declared", "stored", "served"),
    [
        ("drawing.png", SVG, "image/svg+xml", "application/octet-stream", "application/octet-stream"),
        ("page.png", HTML, "image/png", "application/octet-stream", "application/octet-stream"),
        ("notes.txt", HTML, "text/html", "application/octet-stream", "application/octet-stream"),
        ("pixel.png", png(), "application/octet-stream", "image/png", "image/png"),
        (
            "report.txt",
            "Laptop fan noisy – ventilátor 🔥".encode(),
            "text/html",
            "text/plain",
            "text/plain; charset=utf-8",
        ),
        ("scan.pdf", PDF, "text/html", "application/pdf", "application/pdf"),
        ("photo.jpg", PDF, "image/jpeg", "application/pdf", "application/pdf"),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 40, "text/html", "application/zip", "application/octet-stream"),
        ("binary.log", b"\x00\x01\x02 not text", "text/plain", "application/octet-stream", "application/octet-stream"),
    ],
    ids=["svg-as-png", "html-as-png", "html-as-text", "real-png", "text", "pdf", "pdf-as-jpeg", "zip", "binary-log"],
)
def test_a_file_is_typed_by_its_content_and_served_as_a_safe_type_or_octet_stream(
    client, name, content, declared, stored, served
):
    requester = make_requester()
    client.force_login(requester)
    response = client.post(
        "/tickets/new/", {**NEW_TICKET, "attachment": SimpleUploadedFile(name, content, content_type=declared)}
    )
    assert response.status_code == 302
    attachment = Ticket.objects.get().attachments.get()
    assert attachment.content_type == stored
    response = download(client, attachment)
    assert response["Content-Type"] == served
    assert b"".join(response.streaming_content) == content


@pytest.mark.parametrize(("name", "content"), [("drawing.svg", SVG), ("page.html", HTML), ("page.htm", HTML)])
def test_svg_and_html_are_served_as_octet_stream_even_where_their_extensions_are_allowed(
    client, settings, name, content
):
    settings.HELPDESK_ATTACHMENT_EXTENSIONS = [*settings.HELPDESK_ATTACHMENT_EXTENSIONS, "svg", "html", "htm"]
    requester = make_requester()
    ticket = file_ticket(SimpleUploadedFile(name, content, content_type="text/html"), requester=requester)
    client.force_login(requester)
    response = download(client, ticket.attachments.get())
    assert response["Content-Type"] == "application/octet-stream"
    assert downloaded_name(response) == name


def test_a_file_stored_before_under_its_own_name_and_declared_type_still_downloads_safely(client):
    requester = make_requester()
    ticket = TicketFactory(requester=requester)
    # As uploads were stored before: a random folder, the sender's name, the sender's type.
    path = default_storage.save(
        "attachments/2026/01/0123456789abcdef0123456789abcdef/Ruang rapat.txt", ContentFile(HTML)
    )
    attachment = Attachment.objects.create(
        ticket=ticket,
        file=path,
        original_name="Ruang rapat.txt",
        content_type="text/html",
        size=len(HTML),
        uploaded_by=requester,
    )
    client.force_login(requester)
    response = download(client, attachment)
    assert response["Content-Type"] == "application/octet-stream"
    assert downloaded_name(response) == "Ruang rapat.txt"
    assert b"".join(response.streaming_content) == HTML


# --- hostile names


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("a/b\\c.txt", "c.txt"),
        ("C:\\Users\\rina\\Desktop\\error.log", "error.log"),
        ("re\r\nport.txt", "report.txt"),
        ("tab\there\x00\x1b[31m.txt", "tabhere[31m.txt"),
        ("\u202etxt.exe", "txt.exe"),
        ("e\u0301clair.txt", "\u00e9clair.txt"),
        ('it\'s "quoted" <script> & more.txt', 'it\'s "quoted" <script> & more.txt'),
        ("📎 laporan 🔥.csv", "📎 laporan 🔥.csv"),
        ("  spaced out.txt  ", "spaced out.txt"),
        ("..", ""),
        ("/", ""),
        ("", ""),
    ],
)
def test_a_file_name_is_cleaned_to_its_last_part_without_invisible_characters(sent, kept):
    assert attachment_name_clean(sent) == kept


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("a/b\\c.txt", "c.txt"),
        ("re\r\nport.txt", "report.txt"),
        ('it\'s "quoted" <script> & more.txt', 'it\'s "quoted" <script> & more.txt'),
        ("📎 laporan 🔥.txt", "📎 laporan 🔥.txt"),
    ],
)
def test_a_hostile_file_name_is_kept_clean_and_offered_back_exactly(client, sent, kept):
    requester = make_requester()
    ticket = file_ticket(SimpleUploadedFile(sent, b"log line"), requester=requester)
    attachment = ticket.attachments.get()
    assert attachment.original_name == kept
    assert STORED_NAME.fullmatch(attachment.file.name)
    assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.ATTACHMENT_ADDED).to_value == kept
    client.force_login(requester)
    assert downloaded_name(download(client, attachment)) == kept


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ("\u200b\u202e", "without a name"),
        ("\r\n", "without a name"),
        ("../../etc/passwd", "not accepted"),
        (".txt", "not accepted"),
    ],
)
def test_a_file_without_a_usable_name_is_refused_and_nothing_is_saved(sent, message):
    requester = make_requester()
    ticket = TicketFactory(requester=requester)
    with pytest.raises(TicketError, match=message):
        services.comment_add(
            ticket_id=ticket.pk, author=requester, body="see file", attachments=[SimpleUploadedFile(sent, b"root:x:0")]
        )
    assert not Comment.objects.exists()
    assert not TicketEvent.objects.filter(ticket=ticket).exists()
    assert stored_files() == []


@pytest.mark.parametrize(
    ("name_parameter", "kept"),
    [
        ('filename="../../etc/passwd.txt"', "passwd.txt"),
        ('filename="a/b\\\\c.txt"', "c.txt"),
        ("filename*=UTF-8''re%0D%0Aport.txt", "report.txt"),
        ('filename="it\'s \\"quoted\\" <script> & more.txt"', 'it\'s "quoted" <script> & more.txt'),
        ("filename*=UTF-8''%F0%9F%93%8E%20laporan.txt", "📎 laporan.txt"),
        (f'filename="{LONG_NAME}"', LONG_NAME),  # as browsers send it: UTF-8 as it is
    ],
    ids=["traversal", "separators", "cr-lf", "quotes-and-markup", "emoji", "200-accents"],
)
def test_a_reply_through_the_form_with_a_hostile_file_name_is_saved_under_a_clean_name(client, name_parameter, kept):
    requester = make_requester()
    ticket = TicketFactory(requester=requester)
    client.force_login(requester)
    body = multipart(
        {"body": "Log attached."},
        file_field="attachment",
        name_parameter=name_parameter,
        content=b"log line",
        content_type="text/plain",
    )
    response = client.post(
        reverse("tickets:comment", kwargs={"reference": ticket.reference}), body, content_type=MULTIPART
    )
    assert response.status_code == 302
    attachment = Comment.objects.get(ticket=ticket).attachments.get()
    assert attachment.original_name == kept
    assert STORED_NAME.fullmatch(attachment.file.name)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "<script> &" not in page
    assert downloaded_name(download(client, attachment)) == kept


@pytest.mark.parametrize(
    "name_parameter",
    ['filename="../../etc/passwd"', 'filename="a/b\\\\evil.sh"', "filename*=UTF-8''%0D%0A.html"],
    ids=["no-extension", "script", "only-an-extension"],
)
def test_a_reply_whose_file_is_refused_saves_nothing_and_says_why(client, name_parameter):
    requester = make_requester()
    ticket = TicketFactory(requester=requester)
    client.force_login(requester)
    body = multipart(
        {"body": "Log attached."},
        file_field="attachment",
        name_parameter=name_parameter,
        content=b"root:x:0:0",
        content_type="text/plain",
    )
    response = client.post(
        reverse("tickets:comment", kwargs={"reference": ticket.reference}), body, content_type=MULTIPART
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please correct the errors below." in page
    assert "not accepted" in page
    assert "Log attached." in page  # what the person wrote is still in the form
    assert not Comment.objects.exists()
    assert not TicketEvent.objects.filter(ticket=ticket).exists()
    assert stored_files() == []


def test_a_ticket_whose_file_is_refused_is_not_filed_and_the_form_says_why(client):
    client.force_login(make_requester())
    body = multipart(
        NEW_TICKET,
        file_field="attachment",
        name_parameter='filename="../../etc/passwd"',
        content=b"root:x:0:0",
        content_type="text/plain",
    )
    response = client.post("/tickets/new/", body, content_type=MULTIPART)
    assert response.status_code == 400
    assert "not accepted" in response.content.decode()
    assert not Ticket.objects.exists()
    assert stored_files() == []


def test_support_staff_download_with_the_same_headers(client):
    requester = make_requester()
    ticket = file_ticket(SimpleUploadedFile("page.png", HTML, content_type="image/png"), requester=requester)
    client.force_login(make_agent(1))
    response = download(client, ticket.attachments.get())
    assert response["Content-Type"] == "application/octet-stream"


def test_a_file_gone_from_the_storage_is_not_found_rather_than_an_error(client):
    requester = make_requester()
    attachment = file_ticket(SimpleUploadedFile("err.log", b"boom"), requester=requester).attachments.get()
    attachment.file.storage.delete(attachment.file.name)
    client.force_login(requester)
    assert client.get(reverse("tickets:attachment", kwargs={"pk": attachment.pk})).status_code == 404
    assert client.get(f"/api/v1/attachments/{attachment.pk}/").status_code == 404
