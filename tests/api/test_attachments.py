"""Attachments through the API: a long Unicode name is stored under a name of our own and
listed and downloaded under its own; the type is read from the content; a hostile name
is cleaned or refused with the API's error shape, never a 500, never a half-saved comment."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.api.support import error
from tests.factories import TicketFactory, make_requester
from tests.tickets.attachment_support import (
    HTML,
    LONG_NAME,
    MULTIPART,
    STORED_NAME,
    SVG,
    downloaded_name,
    multipart,
    png,
    served_safely,
)
from tickets.choices import EventKind
from tickets.models import Attachment, Comment, TicketEvent

pytestmark = pytest.mark.django_db


def mine():
    requester = make_requester()
    client = APIClient()
    client.force_authenticate(requester)
    return client, TicketFactory(requester=requester)


def fetched(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    served_safely(response)
    return response


def test_a_file_named_in_200_accented_letters_is_attached_listed_and_downloaded_under_its_name():
    client, ticket = mine()
    url = f"/api/v1/tickets/{ticket.reference}/attachments/"
    response = client.post(url, {"files": [SimpleUploadedFile(LONG_NAME, b"error at 10:02")]}, format="multipart")
    assert response.status_code == 201, response.content
    [saved] = response.json()
    assert (saved["original_name"], saved["content_type"]) == (LONG_NAME, "text/plain")
    assert STORED_NAME.fullmatch(Attachment.objects.get(pk=saved["id"]).file.name)
    assert [listed["original_name"] for listed in client.get(url).json()] == [LONG_NAME]
    download = fetched(client, saved["url"])
    assert downloaded_name(download) == LONG_NAME
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert b"".join(download.streaming_content) == b"error at 10:02"


def test_a_reply_with_a_file_named_in_200_accented_letters_is_saved_whole():
    client, ticket = mine()
    response = client.post(
        f"/api/v1/tickets/{ticket.reference}/comments/",
        {"body": "Log attached.", "files": [SimpleUploadedFile(LONG_NAME, b"boom")]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    [attached] = response.json()["attachments"]
    assert attached["original_name"] == LONG_NAME
    assert downloaded_name(fetched(client, attached["url"])) == LONG_NAME


@pytest.mark.parametrize(
    ("name", "content", "declared", "typed"),
    [
        ("drawing.png", SVG, "image/svg+xml", "application/octet-stream"),
        ("page.png", HTML, "image/png", "application/octet-stream"),
        ("page.txt", HTML, "text/html", "application/octet-stream"),
        ("pixel.png", png(), "application/octet-stream", "image/png"),
    ],
    ids=["svg", "html-declared-png", "html-declared-html", "real-png"],
)
def test_the_type_is_read_from_the_content_not_taken_from_the_sender(name, content, declared, typed):
    client, ticket = mine()
    response = client.post(
        f"/api/v1/tickets/{ticket.reference}/attachments/",
        {"files": [SimpleUploadedFile(name, content, content_type=declared)]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    [saved] = response.json()
    assert saved["content_type"] == typed
    download = fetched(client, saved["url"])
    assert download["Content-Type"] == typed
    assert downloaded_name(download) == name


@pytest.mark.parametrize(
    ("name_parameter", "kept"),
    [
        ('filename="../../etc/passwd.txt"', "passwd.txt"),
        ('filename="a/b\\\\c.txt"', "c.txt"),
        ("filename*=UTF-8''re%0D%0Aport.txt", "report.txt"),
        ('filename="it\'s \\"quoted\\" <script> & more.txt"', 'it\'s "quoted" <script> & more.txt'),
        ("filename*=UTF-8''%F0%9F%93%8E%20laporan%20%F0%9F%94%A5.log", "📎 laporan 🔥.log"),
        (f'filename="{LONG_NAME}"', LONG_NAME),
    ],
    ids=["traversal", "separators", "cr-lf", "quotes-and-markup", "emoji", "200-accents"],
)
def test_a_hostile_file_name_is_attached_under_a_clean_name(name_parameter, kept):
    client, ticket = mine()
    body = multipart(
        {}, file_field="files", name_parameter=name_parameter, content=b"log line", content_type="text/html"
    )
    response = client.post(f"/api/v1/tickets/{ticket.reference}/attachments/", body, content_type=MULTIPART)
    assert response.status_code == 201, response.content
    [saved] = response.json()
    assert (saved["original_name"], saved["content_type"]) == (kept, "text/plain")
    assert STORED_NAME.fullmatch(Attachment.objects.get(pk=saved["id"]).file.name)
    assert downloaded_name(fetched(client, saved["url"])) == kept


@pytest.mark.parametrize(
    ("name_parameter", "message"),
    [
        ('filename="../../etc/passwd"', "Files of type “no extension” are not accepted."),
        ('filename="a\\\\evil.sh"', "Files of type “sh” are not accepted."),
        ("filename*=UTF-8''%0D%0A.html", "Files of type “no extension” are not accepted."),
        ('filename=""', "The submitted data was not a file."),
    ],
    ids=["no-extension", "script", "only-an-extension", "empty"],
)
def test_a_file_without_an_acceptable_name_is_refused_with_a_clear_error_and_nothing_is_saved(name_parameter, message):
    client, ticket = mine()
    body = multipart(
        {}, file_field="files", name_parameter=name_parameter, content=b"root:x:0:0", content_type="text/plain"
    )
    response = client.post(f"/api/v1/tickets/{ticket.reference}/attachments/", body, content_type=MULTIPART)
    assert response.status_code == 400
    body = error(response)
    assert (body["code"], body["message"].startswith(message)) == ("invalid", True), body
    assert not Attachment.objects.exists()
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ATTACHMENT_ADDED).exists()


@pytest.mark.parametrize(
    "name_parameter",
    ['filename="../../etc/passwd"', "filename*=UTF-8''%0D%0A.html"],
    ids=["no-extension", "only-an-extension"],
)
def test_a_reply_whose_file_is_refused_saves_nothing(name_parameter):
    client, ticket = mine()
    body = multipart(
        {"body": "Log attached."},
        file_field="files",
        name_parameter=name_parameter,
        content=b"root:x:0:0",
        content_type="text/plain",
    )
    response = client.post(f"/api/v1/tickets/{ticket.reference}/comments/", body, content_type=MULTIPART)
    assert response.status_code == 400
    assert "not accepted" in error(response)["message"]
    assert not Comment.objects.exists()
    assert not TicketEvent.objects.filter(ticket=ticket).exists()
    assert not Attachment.objects.exists()
