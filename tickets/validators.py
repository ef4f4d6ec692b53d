import codecs
import re
import unicodedata
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

NAME_MAX_LENGTH = 255
# What a browser may show as what it is; anything else is offered as a download of
# unknown type, so no uploaded file is ever run as a page or a script on our origin.
SAFE_CONTENT_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"})
UNKNOWN_CONTENT_TYPE = "application/octet-stream"
# Plain text has no signature: a file is taken for text only when its name says so and
# its first bytes read as UTF-8 without anything that could start markup.
TEXT_EXTENSIONS = frozenset({"txt", "log", "csv"})
SNIFF_BYTES = 8192
_SEPARATORS = re.compile(r"[/\\]")


def attachment_name_clean(name) -> str:
    """The name a person gave a file, fit to show and to offer on download: its last path
    part, in NFC, without control or other invisible characters, at most 255 characters
    with its extension kept. Empty when nothing of it is left."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = _SEPARATORS.split(name)[-1]
    name = "".join(character for character in name if character.isprintable()).strip()
    if name in {".", ".."}:
        return ""
    if len(name) > NAME_MAX_LENGTH:
        suffix = PurePosixPath(name).suffix
        suffix = suffix if len(suffix) <= 16 else ""
        name = name[: NAME_MAX_LENGTH - len(suffix)].rstrip() + suffix
    return name


def attachment_extension(name: str) -> str:
    """The extension of a (cleaned) file name, lower case and without its dot."""
    return PurePosixPath(name).suffix.lower().lstrip(".")


def _reads_as_plain_text(head: bytes) -> bool:
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return "\x00" not in text and not text.lstrip().startswith("<")


def attachment_content_type(file, name: str) -> str:
    """What the file is, read from its first bytes (never what the sender declared):
    the detected MIME type, ``text/plain`` for text under a text file's name, or
    ``application/octet-stream``. Leaves the file's position where it was."""
    position = file.tell()
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(position)
    if isinstance(head, str):
        head = head.encode()
    kind = filetype.guess(head) if head else None
    if kind is not None:
        return kind.mime[:100]
    if attachment_extension(name) in TEXT_EXTENSIONS and _reads_as_plain_text(head):
        return "text/plain"
    return UNKNOWN_CONTENT_TYPE


def served_content_type(content_type: str) -> str:
    """The Content-Type a download is sent with: the file's own type if it is on the safe
    list, otherwise ``application/octet-stream``."""
    if content_type not in SAFE_CONTENT_TYPES:
        return UNKNOWN_CONTENT_TYPE
    return "text/plain; charset=utf-8" if content_type == "text/plain" else content_type


def validate_attachment(upload) -> None:
    """Refuse files without a name, over the size limit or of a type not on the allowed list."""
    name = attachment_name_clean(upload.name)
    if not name:
        raise ValidationError(
            _("A file without a name cannot be attached. Rename it and try again."), code="attachment_name"
        )
    extension = attachment_extension(name)
    allowed = settings.HELPDESK_ATTACHMENT_EXTENSIONS
    if extension not in allowed:
        raise ValidationError(
            _("Files of type “%(ext)s” are not accepted. Allowed: %(allowed)s.")
            % {"ext": extension or _("no extension"), "allowed": ", ".join(allowed)},
            code="attachment_type",
        )
    if upload.size > settings.HELPDESK_ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size)s; the limit is %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.HELPDESK_ATTACHMENT_MAX_BYTES),
            },
            code="attachment_size",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="attachment_empty")
