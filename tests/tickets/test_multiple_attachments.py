"""Several files with one post (a new ticket, a reply or note): each file checked with the
attachment validators, all of them against the count and total size limits, a refusal
naming the file, and the post with all its files saved together or not at all."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tests.factories import TicketFactory, make_agent, make_requester
from tickets.models import Attachment, Comment, Ticket

pytestmark = pytest.mark.django_db

NEW_TICKET = {"subject": "Cannot print", "impact": "low", "urgency": "high", "description": "Paper jam on floor 3"}


def text_file(name: str, content: bytes = b"log line") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_new_ticket_takes_several_files_at_once(client):
    client.force_login(make_requester())
    page = client.get("/tickets/new/").content.decode()
    assert re.search(r'<input type="file" name="attachment"[^>]* multiple', page)
    response = client.post(
        "/tickets/new/", {**NEW_TICKET, "attachment": [text_file("one.txt"), text_file("two.log", b"two")]}
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert list(Attachment.objects.filter(ticket=ticket).order_by("pk").values_list("original_name", flat=True)) == [
        "one.txt",
        "two.log",
    ]


def test_a_reply_takes_several_files_at_once(client):
    agent = make_agent(1)
    ticket = TicketFactory(level=1)
    client.force_login(agent)
    response = client.post(
        f"/tickets/{ticket.reference}/comment/",
        {"body": "Both logs 🙂", "attachment": [text_file("a.txt"), text_file("b.txt")]},
    )
    assert response.status_code == 302
    comment = Comment.objects.get(ticket=ticket)
    assert sorted(comment.attachments.values_list("original_name", flat=True)) == ["a.txt", "b.txt"]


def test_one_refused_file_refuses_the_whole_post_and_names_the_file(client):
    client.force_login(make_requester())
    response = client.post(
        "/tickets/new/", {**NEW_TICKET, "attachment": [text_file("fine.txt"), text_file("run.exe", b"MZ")]}
    )
    assert response.status_code == 400
    assert "“run.exe”" in response.content.decode()
    assert not Ticket.objects.exists() and not Attachment.objects.exists() and not stored_files()


@override_settings(HELPDESK_ATTACHMENT_MAX_FILES=2)
def test_more_files_than_the_limit_are_refused_with_a_clear_message(client):
    ticket = TicketFactory(level=1)
    client.force_login(make_agent(1))
    response = client.post(
        f"/tickets/{ticket.reference}/comment/",
        {"body": "Logs", "attachment": [text_file(f"{n}.txt") for n in range(3)]},
    )
    assert response.status_code == 400
    assert "3 files were chosen; at most 2 go with one message." in response.content.decode()
    assert not Comment.objects.exists() and not Attachment.objects.exists()


@override_settings(HELPDESK_ATTACHMENT_MAX_TOTAL_BYTES=10)
def test_files_over_the_total_size_are_refused_together(client):
    client.force_login(make_requester())
    response = client.post(
        "/tickets/new/", {**NEW_TICKET, "attachment": [text_file("a.txt", b"123456"), text_file("b.txt", b"123456")]}
    )
    assert response.status_code == 400
    assert "together they may be at most" in response.content.decode()
    assert not Ticket.objects.exists() and not stored_files()


def test_an_empty_file_among_several_is_named(client):
    client.force_login(make_requester())
    response = client.post(
        "/tickets/new/", {**NEW_TICKET, "attachment": [text_file("ok.txt"), text_file("😀 empty.txt", b"")]}
    )
    assert response.status_code == 400
    assert "😀 empty.txt" in response.content.decode()
    assert not Ticket.objects.exists()
