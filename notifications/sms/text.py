"""SMS text: GSM-7 where possible, and no more segments than a budget.

A text of GSM 03.38 characters travels 160 to a single SMS (153 per part when split);
one character outside it (a curly quote, an em dash, an emoji) turns the whole text
into UCS-2, 70 per SMS (67 per part). Typography is therefore folded to plain
characters first, and a text still too long is shortened before its final link.
"""

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# These take two septets (an escape and the character).
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
PLAIN = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "–": "-",
        "—": "-",
        "‑": "-",
        "…": "...",
        "·": "-",
        "\u00a0": " ",
        "\t": " ",
    }
)
# At most this many SMS parts for one notification.
MAX_SEGMENTS = 3


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in text)


def sms_length(text: str) -> int:
    """Length in GSM-7 septets, or in UCS-2 code units for any other text."""
    if is_gsm7(text):
        return sum(2 if char in GSM7_EXTENDED else 1 for char in text)
    return len(text.encode("utf-16-le")) // 2


def sms_segments(text: str) -> int:
    """How many SMS parts the text takes."""
    single, part = (160, 153) if is_gsm7(text) else (70, 67)
    length = sms_length(text)
    return 1 if length <= single else -(-length // part)


def sms_fit(text: str, *, max_segments: int = MAX_SEGMENTS) -> str:
    """The text with typography made plain, shortened (keeping a final link whole) to
    fit in ``max_segments`` parts."""
    text = " ".join(text.translate(PLAIN).split())
    if sms_segments(text) <= max_segments:
        return text
    head, _sep, last = text.rpartition(" ")
    link = last if last.startswith(("http://", "https://")) and head else ""
    body = head if link else text
    while body and sms_segments(f"{body}... {link}".rstrip()) > max_segments:
        body = body[: max(len(body) - 8, 0)].rstrip()
    return f"{body}... {link}".rstrip() if body else link[: 153 * max_segments]
