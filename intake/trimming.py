"""What a person wrote in a mail, without what their mail program added below it: the
quoted history of the conversation and their signature.

Our own cuts come first, for what every mail program in the helpdesk's languages writes
(the reply marker of our mail, "On … wrote:" and Indonesian "Pada … menulis:", Outlook's
"-----Original Message-----" and "From: … Sent: …" blocks, quoted ``>`` lines, the "-- "
signature, "Sent from my iPhone"); mail-parser-reply then cuts the reply headers of the
other languages it knows. A forwarded message is never cut: what was forwarded is what
the sender wants us to read.
"""

import re

from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES

from tickets.threading import reply_markers

FORWARDED = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|pesan (yang )?diteruskan|pesan terusan)\s*-{2,}"
    r"|begin forwarded message:|pesan yang diteruskan:)\s*$",
    re.IGNORECASE,
)
# Outlook's separator line when it quotes (a row of underscores), and its banner.
ORIGINAL_MESSAGE = re.compile(r"^\s*(-{2,}\s*(original message|pesan asli)\s*-{2,}|_{10,})\s*$", re.IGNORECASE)
# "On Mon, 1 Dec 2026 at 10:00, Helpdesk <helpdesk@example.org> wrote:" and the Indonesian
# "Pada tanggal Sen, 1 Des 2026 pukul 10.00 Helpdesk <…> menulis:", which Gmail may wrap.
WROTE = re.compile(r"^\s*(on\b.{4,300}\bwrote|pada\b.{4,300}\bmenulis)\s*:\s*$", re.IGNORECASE | re.DOTALL)
OUTLOOK_FROM = re.compile(r"^\s*\*?(from|dari)\s*:\*?\s+\S", re.IGNORECASE)
OUTLOOK_SENT = re.compile(r"^\s*\*?(sent|date|dikirim|tanggal)\s*:\*?\s+\S", re.IGNORECASE)
SENT_FROM = re.compile(
    r"^\s*(sent from my \w+|sent from (outlook|mail) for \w+|get outlook for \w+|dikirim dari \w+)", re.IGNORECASE
)
SIGNATURE = re.compile(r"^-- ?$")
TRIM_MAX_CHARS = 200_000


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _quoted_to_the_end(lines: list[str]) -> list[bool]:
    """For each line, whether it and every line after it are quoted or blank (one pass
    from the end, so a long mail costs the same as a short one)."""
    flags = [False] * len(lines)
    quoted = True
    for index in range(len(lines) - 1, -1, -1):
        quoted = quoted and (_is_quoted(lines[index]) or not lines[index].strip())
        flags[index] = quoted
    return flags


def _cut_at(lines: list[str]) -> int:
    """The index of the first line that belongs to what the mail program added."""
    markers = [marker.lower() for marker in reply_markers()]
    quoted_to_the_end = _quoted_to_the_end(lines)
    for index, line in enumerate(lines):
        text = line.strip()
        unquoted = text.lstrip("> ").lower()
        if unquoted and any(marker in unquoted for marker in markers):
            return index
        two_lines = text + " " + (lines[index + 1].strip() if index + 1 < len(lines) else "")
        if WROTE.match(text) or (text and WROTE.match(two_lines) and not WROTE.match(lines[index + 1].strip())):
            return index
        if ORIGINAL_MESSAGE.match(text):
            return index
        if OUTLOOK_FROM.match(text) and any(
            OUTLOOK_SENT.match(following) for following in lines[index + 1 : index + 4]
        ):
            return index
        if SIGNATURE.match(line.rstrip("\r")) or SENT_FROM.match(text):
            return index
        if _is_quoted(line) and quoted_to_the_end[index]:
            return index
    return len(lines)


def _forwards(lines: list[str]) -> bool:
    return any(FORWARDED.match(line.strip()) for line in lines)


def reply_text(text: str) -> str:
    """The part of ``text`` its sender wrote; all of it when cutting would leave nothing.
    Only the first ``TRIM_MAX_CHARS`` are looked at: no one writes a reply longer, and a
    mail built to be slow to read stays quick."""
    text = text[:TRIM_MAX_CHARS]
    lines = text.replace("\r\n", "\n").split("\n")
    if _forwards(lines):
        return text.strip()
    kept = "\n".join(lines[: _cut_at(lines)]).strip()
    # Every language the library knows: a requester's mail program may speak any of them.
    languages = list(MAIL_LANGUAGES)
    if kept:
        try:
            parsed = EmailReplyParser(languages=languages).parse_reply(kept)
        except Exception:  # the library's regular expressions on text it did not expect
            parsed = None
        kept = (parsed or "").strip() or kept
    return kept or text.strip()
