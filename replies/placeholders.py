"""Placeholders in canned replies: checked when a reply is saved, filled in when it is used.

A placeholder is a known name in braces (``{requester_first_name}``); ``{{`` and ``}}``
write a brace itself. Nothing else may stand in braces: an unknown name, a number
(``{0}``), an attribute or index (``{x.y}``, ``{x[0]}``), a format spec (``{x:>10}``) or an
unclosed brace is refused, naming what is wrong. Filling in is a plain substitution of the
text given for each name (never ``str.format``), so no attribute of anything is ever read,
and the values are inserted as they are: the reply is plain text, escaped where it is shown.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PLACEHOLDERS = {
    "requester_first_name": _("the requester's first name (their user name if they gave none)"),
    "ticket_reference": _("the ticket's reference, e.g. HD-000123"),
    "agent_name": _("your name, as the agent who sends the reply"),
    "level": _("the ticket's support level, e.g. Level II"),
}

# One piece of a reply: an escaped brace, a placeholder (anything up to the next brace),
# or a brace left alone.
_PIECE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|\{|\}")


def _pieces(text: str):
    """(start, end, kind, name) for each brace construct, in order."""
    for match in _PIECE.finditer(text):
        piece = match.group(0)
        if piece in ("{{", "}}"):
            yield match.start(), match.end(), "escape", piece[0]
        elif piece == "{":
            yield match.start(), match.end(), "open", ""
        elif piece == "}":
            yield match.start(), match.end(), "close", ""
        else:
            yield match.start(), match.end(), "name", match.group(1)


def _shown(name: str) -> str:
    """A name as an error message quotes it: one line, not too long."""
    name = re.sub(r"\s", " ", name)
    return name if len(name) <= 40 else name[:39] + "…"


def placeholders_check(text: str) -> None:
    """Raise ``ValidationError`` naming every unknown placeholder or stray brace."""
    errors = []
    for _start, _end, kind, name in _pieces(text or ""):
        if kind == "open":
            errors.append(ValidationError(_("A “{” is never closed. Write {{ for a brace itself."), code="unclosed"))
        elif kind == "close":
            errors.append(ValidationError(_("A “}” closes nothing. Write }} for a brace itself."), code="unopened"))
        elif kind == "name" and name not in PLACEHOLDERS:
            errors.append(
                ValidationError(
                    _("Unknown placeholder {%(name)s}. Use one of: %(known)s."),
                    code="unknown_placeholder",
                    params={"name": _shown(name), "known": ", ".join(f"{{{key}}}" for key in PLACEHOLDERS)},
                )
            )
    if errors:
        # Each distinct message once, in the order they were found.
        unique: dict[str, ValidationError] = {}
        for error in errors:
            unique.setdefault(str(error.message % (error.params or {})), error)
        raise ValidationError(list(unique.values()))


def placeholders_fill(text: str, values: dict[str, str]) -> str:
    """The text with each placeholder replaced by its value as given, and ``{{``/``}}`` by
    one brace. Text that was never checked is filled as far as it can be: an unknown
    placeholder or a stray brace is left as it stands."""
    out = []
    position = 0
    for start, end, kind, name in _pieces(text or ""):
        out.append(text[position:start])
        if kind == "escape":
            out.append(name)
        elif kind == "name" and name in values:
            out.append(str(values[name]))
        else:
            out.append(text[start:end])
        position = end
    out.append((text or "")[position:])
    return "".join(out)
