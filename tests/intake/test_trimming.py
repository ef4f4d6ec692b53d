"""Cutting what a mail program adds below a reply: quoted history and signatures."""

import pytest
from django.utils import translation

from intake.parsing import html_to_text
from intake.trimming import reply_text
from tickets.threading import REPLY_MARKER


@pytest.mark.parametrize(
    "added",
    [
        "On Mon, 30 Nov 2026 at 16:40, IT Helpdesk <helpdesk@example.org> wrote:\n> old",
        "On Mon, 30 Nov 2026 at 16:40, IT Helpdesk <helpdesk@example.org>\nwrote:\n\n> old",
        "Pada tanggal Sen, 30 Nov 2026 pukul 16.40 IT Helpdesk <helpdesk@example.org> menulis:\n> lama",
        "-----Original Message-----\nFrom: IT Helpdesk\nSent: Monday\nold",
        "-----Pesan Asli-----\nDari: IT Helpdesk\nold",
        "From: IT Helpdesk <helpdesk@example.org>\nSent: Monday, November 30, 2026 4:40 PM\nTo: Ann\nold",
        "Dari: IT Helpdesk <helpdesk@example.org>\nDikirim: Senin, 30 November 2026 16.40\nold",
        "________________________________\nFrom: IT Helpdesk\nold",
        "-- \nAnn Smith\nFinance, 3rd floor",
        "Sent from my iPhone",
        "Dikirim dari iPhone saya",
        "Get Outlook for Android",
        "> quoted line one\n>\n> quoted line two",
        "Am 30.11.2026 um 16:40 schrieb IT Helpdesk <helpdesk@example.org>:\n> alt",
    ],
)
def test_what_the_mail_program_added_is_cut(added):
    assert reply_text(f"It works now, thanks.\n\n{added}\n") == "It works now, thanks."


@pytest.mark.parametrize("language", ["en", "id"])
def test_the_reply_marker_in_either_language_cuts_even_when_quoted(language):
    with translation.override(language):
        marker = str(REPLY_MARKER)
    assert reply_text(f"Done.\n\n> {marker}\n> Hello Ann") == "Done."
    assert reply_text(f"Done.\n{marker}\nHello Ann") == "Done."


def test_answers_written_between_quoted_lines_are_kept():
    text = "> Is the printer on?\nYes, it is on.\n> Which floor?\nThird floor."
    assert reply_text(text) == text


def test_a_forwarded_message_is_never_cut():
    text = (
        "Please help.\n\n---------- Forwarded message ---------\nFrom: Rina <rina@example.com>\n"
        "Subject: drive\n\nIt says access denied.\n\nOn Mon, Ann wrote:\n> did you get access?"
    )
    assert reply_text(text) == text


def test_a_reply_that_is_only_quote_keeps_everything_rather_than_nothing():
    assert reply_text("> only quoted\n> lines") == "> only quoted\n> lines"


def test_a_mail_built_to_be_slow_is_read_quickly_and_cut_where_the_quote_starts():
    text = "Top line\n" + "> quoted\n" * 100_000 + "last words"
    assert reply_text(text).startswith("Top line")
    assert reply_text("Top\n\n" + "> q\n" * 100_000) == "Top"


def test_html_is_read_as_text_without_its_scripts_and_styles():
    text = html_to_text("<style>p{color:red}</style><script>alert(1)</script><p>Hello &amp; <b>bye</b></p>")
    assert text == "Hello & bye"
    assert html_to_text("") == ""
