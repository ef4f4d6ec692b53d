"""Reading a mail as it arrived: its headers (decoded, whatever their charset), the text
its sender wrote (plain text preferred, HTML read as text), its files and inline images,
and what marks it as written by a machine (auto-replies, bounces, list mail).

Python's own ``email`` package with its modern policy does the parsing; every read of a
header or a part falls back to the raw bytes when a mail program wrote something broken,
so one bad header or an unknown charset costs that header, not the mail.
"""

import codecs
import mimetypes
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

from django.utils.translation import gettext as _
from inscriptis import get_text

# Deeper than any mail program nests; a mail built to exhaust the parser is read this far.
MAX_DEPTH = 60
MAX_PARTS = 500
HTML_MAX_CHARS = 2_000_000
MESSAGE_ID = re.compile(r"<[^<>\s]{1,500}>")
AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
DAEMON_LOCAL_PARTS = {"mailer-daemon", "postmaster"}
# Parts the parser holds as a list of messages, read as one piece.
LEAF_TYPES = {"message/rfc822", "message/delivery-status"}


class UnreadableMail(Exception):
    """The bytes are not a mail the helpdesk can read (the message says why)."""


@dataclass
class MailFile:
    name: str
    content_type: str
    data: bytes
    inline: bool = False


@dataclass
class ParsedMail:
    message: EmailMessage
    sender_name: str
    sender: str
    subject: str
    message_id: str
    thread_ids: list[str]
    recipients: list[str]
    text: str
    from_html: bool
    files: list[MailFile] = field(default_factory=list)
    damaged: bool = False


def _decode_words(value: str) -> str:
    """An encoded-word header (``=?utf-8?b?…?=``) decoded by hand, unknown charsets as UTF-8."""
    pieces = []
    try:
        parts = decode_header(value)
    except Exception:
        return value
    for chunk, charset in parts:
        if isinstance(chunk, str):
            pieces.append(chunk)
            continue
        pieces.append(_bytes_to_text(chunk, charset))
    return "".join(pieces)


def _bytes_to_text(data: bytes, charset: str | None) -> str:
    try:
        codecs.lookup(charset or "utf-8")
        return data.decode(charset or "utf-8", errors="replace")
    except (LookupError, UnicodeError):
        return data.decode("utf-8", errors="replace")


def header(message: Message, name: str) -> str:
    """One header as text on one line ('' when absent or unreadable)."""
    try:
        value = message.get(name)
        text = "" if value is None else str(value)
    except Exception:
        raw = [v for k, v in message.raw_items() if k.lower() == name.lower()] if hasattr(message, "raw_items") else []
        text = _decode_words(str(raw[0])) if raw else ""
    return " ".join(text.split())


def headers_all(message: Message, name: str) -> list[str]:
    try:
        return [" ".join(str(value).split()) for value in message.get_all(name) or []]
    except Exception:
        return [header(message, name)]


def part_text(part: Message) -> str:
    """A text part's content, whatever charset it claims (unknown ones read as UTF-8)."""
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except Exception:  # an unknown charset, a broken transfer encoding: read the bytes
        content = None
    if isinstance(content, str):
        return content
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return _bytes_to_text(payload, part.get_content_charset())
    raw = part.get_payload()
    return raw if isinstance(raw, str) else ""


def html_to_text(html: str) -> str:
    try:
        return get_text(html[:HTML_MAX_CHARS]).strip()
    except Exception:  # markup lxml cannot make a tree of
        return re.sub(r"<[^>]*>", " ", html[:HTML_MAX_CHARS]).strip()


def _leaves(part: Message, depth: int = 0):
    if depth > MAX_DEPTH:
        return
    if part.get_content_type() in LEAF_TYPES or not part.is_multipart():
        yield part
        return
    payload = part.get_payload()
    for sub in payload if isinstance(payload, list) else []:
        if isinstance(sub, Message):
            yield from _leaves(sub, depth + 1)


def _body_part(message: EmailMessage) -> Message | None:
    try:
        return message.get_body(preferencelist=("plain", "html"))
    except Exception:
        return None


def _file_name(part: Message, number: int) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if name:
        return _decode_words(name) if "=?" in name else name
    content_type = part.get_content_type()
    extension = ".txt" if content_type == "message/rfc822" else (mimetypes.guess_extension(content_type) or "")
    return f"{'inline' if part.get('Content-ID') else 'attachment'}-{number}{extension}"


def _is_attachment(part: Message) -> bool:
    try:
        return part.get_content_disposition() == "attachment"
    except Exception:
        return False


def _forwarded_text(part: Message) -> tuple[str, list[MailFile]]:
    """A mail attached to the mail (forwarded as an attachment): its headers and text."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, EmailMessage):
        return "", []
    body = _body_part(inner)
    text = "" if body is None else part_text(body)
    if body is not None and body.get_content_type() == "text/html":
        text = html_to_text(text)
    lines = ["---------- Forwarded message ---------"]
    for name in ("From", "Date", "Subject", "To"):
        if value := header(inner, name):
            lines.append(f"{name}: {value}")
    return "\n".join(lines) + "\n\n" + text.strip(), _files(inner, body)


def _files(message: EmailMessage, body: Message | None, texts: list[str] | None = None) -> list[MailFile]:
    files: list[MailFile] = []
    for number, part in enumerate(_leaves(message), start=1):
        if number > MAX_PARTS:
            break
        if part is body:
            continue
        content_type = part.get_content_type()
        if content_type == "message/rfc822" and texts is not None and not _is_attachment(part):
            forwarded, inner_files = _forwarded_text(part)
            texts.append(forwarded)
            files.extend(inner_files)
            continue
        if part.get_content_maintype() == "text" and content_type in {"text/plain", "text/html"}:
            if not _is_attachment(part) and not part.get_filename():
                continue  # the other version of the text (multipart/alternative)
        if part.get_content_maintype() == "multipart":
            continue  # a multipart whose boundary was never found: read as the body
        if content_type == "message/rfc822":
            data = b""
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                data = payload[0].as_bytes()
        else:
            decoded = part.get_payload(decode=True)
            data = decoded if isinstance(decoded, bytes) else b""
        files.append(
            MailFile(
                name=_file_name(part, number),
                content_type=content_type,
                data=data,
                inline=bool(part.get("Content-ID")) and not _is_attachment(part),
            )
        )
    return files


def _sender(message: EmailMessage) -> tuple[str, str]:
    """The From header's display name and address, by the structured parser (which decodes
    encoded words in quoted names), else by parseaddr for a header it cannot take."""
    try:
        first = message["From"].addresses[0]
        if first.addr_spec:
            return str(first.display_name), str(first.addr_spec)
    except Exception:  # no From, or one the structured parser cannot take
        return parseaddr(header(message, "From"))
    return parseaddr(header(message, "From"))


def mail_parse(raw: bytes) -> ParsedMail:
    """The mail read for processing. Raises UnreadableMail when the bytes are not a mail."""
    if not isinstance(raw, bytes | bytearray) or not raw.strip():
        raise UnreadableMail(_("The message is empty."))
    try:
        message = message_from_bytes(bytes(raw), policy=policy.default)
    except Exception as exc:
        raise UnreadableMail(
            _("The mail parser could not read it (%(error)s).") % {"error": type(exc).__name__}
        ) from exc
    if not isinstance(message, EmailMessage) or not list(message.keys()):
        raise UnreadableMail(_("The message has no mail headers: it is not an email."))
    sender_name, sender = _sender(message)
    if "@" not in sender:
        raise UnreadableMail(_("The message has no sender address that can be read (its From header)."))
    thread_ids = MESSAGE_ID.findall(header(message, "In-Reply-To"))
    thread_ids += list(reversed(MESSAGE_ID.findall(header(message, "References"))))
    recipients = [
        address
        for name in ("To", "Cc", "Delivered-To", "X-Original-To")
        for _display, address in getaddresses(headers_all(message, name))
        if address
    ]
    body = _body_part(message)
    damaged = False
    from_html = False
    if body is not None:
        text = part_text(body)
        if body.get_content_type() == "text/html":
            text, from_html = html_to_text(text), True
    elif message.get_content_maintype() == "multipart" and not message.is_multipart():
        # Declared multipart but its boundary is never found: the text is read as it is.
        text, damaged = part_text(message), True
    else:
        text = ""
    texts = [text]
    files = _files(message, body, texts)
    return ParsedMail(
        message=message,
        sender_name=sender_name,
        sender=sender,
        subject=header(message, "Subject"),
        message_id=header(message, "Message-ID"),
        thread_ids=thread_ids,
        recipients=recipients,
        text="\n\n".join(t for t in texts if t.strip()),
        from_html=from_html,
        files=files,
        damaged=damaged or bool(getattr(message, "defects", None)) and body is None,
    )


def automatic_reason(mail: ParsedMail) -> str | None:
    """Why this mail was written by a machine (and must never be answered), or None."""
    message = mail.message
    auto = header(message, "Auto-Submitted").lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto[:80]}"
    precedence = header(message, "Precedence").lower()
    if precedence in AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if message.get(name) is not None:
            return f"{name}: {header(message, name)[:80]}"
    for name in ("List-Id", "List-Unsubscribe"):
        if message.get(name) is not None:
            return f"{name} (mailing-list mail)"
    if "Return-Path" in message and header(message, "Return-Path").strip("<> ") == "":
        return "Return-Path: <> (an automatic message)"
    if mail.sender.partition("@")[0].lower() in DAEMON_LOCAL_PARTS:
        return f"From: {mail.sender} (a mail server)"
    return None


@dataclass
class Bounce:
    address: str
    status: str
    diagnostic: str


def delivery_report(mail: ParsedMail) -> list[Bounce] | None:
    """The failed recipients a delivery status notification (RFC 3464) reports; None when
    the mail is not one."""
    message = mail.message
    if message.get_content_type() != "multipart/report":
        return None
    if (message.get_param("report-type") or "").lower() != "delivery-status":  # type: ignore[union-attr]
        return None
    bounces = []
    for part in _leaves(message):
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            action = header(block, "Action").lower()
            recipient = header(block, "Final-Recipient") or header(block, "Original-Recipient")
            address = recipient.partition(";")[2].strip() if ";" in recipient else recipient
            if action == "failed" and "@" in address:
                bounces.append(
                    Bounce(
                        address=address.strip("<> "),
                        status=header(block, "Status")[:32],
                        diagnostic=header(block, "Diagnostic-Code")[:1000],
                    )
                )
    return bounces
