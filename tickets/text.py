"""Text people type into a ticket, made safe to store and show: no control characters a
mail header, a CSV cell, a log line or a terminal would act on, and no invisible
direction overrides that make text read differently from what it holds. Every channel
(the form, the API, the services behind them) cleans through these two functions."""

import re
import unicodedata

# Characters that turn the direction of the text around them (bidi embeddings, overrides
# and isolates): shown, they make a subject read other than what it says.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = re.compile(r"\r\n|[\r\n\u0085\u2028\u2029\u000b\u000c]")
SPACES = re.compile(r"\s+")
# What multi_line drops: the control characters (Unicode category Cc) but line feeds and
# tabs, and the direction controls.
DROPPED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]")


def _is_control(character: str) -> bool:
    return unicodedata.category(character) == "Cc" or character in BIDI_CONTROLS


def single_line(value: str) -> str:
    """One line: every line break, tab and other control character becomes a space, runs
    of spaces one, and the ends are trimmed (``"Printer\\r\\nBcc: x"`` → ``"Printer Bcc: x"``)."""
    spaced = "".join(" " if _is_control(c) or c in "\u2028\u2029" else c for c in value or "")
    return SPACES.sub(" ", spaced).strip()


def multi_line(value: str) -> str:
    """Text of several lines: line breaks are kept (as ``\\n``) and tabs too; every other
    control character is dropped; the ends are trimmed."""
    lines = LINE_BREAKS.sub("\n", value or "")
    if not DROPPED.search(lines):
        # Nothing to drop (the usual case): no need to look at each character.
        return lines.strip()
    return "".join(c for c in lines if c in "\n\t" or not _is_control(c)).strip()
