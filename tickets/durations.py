"""Time spent, as people type it: ``90`` (minutes), ``1:30``, ``1h 30m``, ``1.5h``, in
English or Indonesian units (``1 jam 30 menit``). Parsing only; the services decide what
is too little or too much."""

import re

HOUR_UNITS = r"h|hr|hrs|hour|hours|j|jam"
MINUTE_UNITS = r"m|min|mins|minute|minutes|mnt|menit"
CLOCK = re.compile(r"(\d{1,4}):([0-5]\d)")
PLAIN_MINUTES = re.compile(r"\d{1,6}")
UNITS = re.compile(
    rf"(?:(?P<hours>\d{{1,4}}(?:[.,]\d{{1,2}})?)\s*(?:{HOUR_UNITS}))?\s*"
    rf"(?:(?P<minutes>\d{{1,6}})\s*(?:{MINUTE_UNITS})?)?",
    re.IGNORECASE,
)


def minutes_from_text(value: str) -> int:
    """Whole minutes in ``value``; ValueError when it is not a duration."""
    text = (value or "").strip().lower()
    if not text:
        raise ValueError("empty")
    if PLAIN_MINUTES.fullmatch(text):
        return int(text)
    clock = CLOCK.fullmatch(text)
    if clock:
        return int(clock.group(1)) * 60 + int(clock.group(2))
    match = UNITS.fullmatch(text)
    if not match or not (match.group("hours") or match.group("minutes")):
        raise ValueError(value)
    hours = float(match.group("hours").replace(",", ".")) if match.group("hours") else 0.0
    minutes = int(match.group("minutes")) if match.group("minutes") else 0
    return round(hours * 60) + minutes


def minutes_as_text(minutes: int | None) -> str:
    """``90`` → ``1:30``: what the forms and the API show back."""
    if minutes is None:
        return ""
    return f"{minutes // 60}:{minutes % 60:02d}"
