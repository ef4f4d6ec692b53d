"""Recurrence rules (RFC 5545 RRULE, read by python-dateutil) counted in a plan's time
zone: occurrences keep their wall-clock time across daylight-saving changes ("09:00 every
first Monday" is 09:00 in winter and in summer). A wall-clock time that does not exist on
a spring-forward day is read with the offset before the change (an hour later on the
clock); one that happens twice is the first.

Every search is bounded (HORIZON_YEARS past where it starts), so no rule, however
written, makes the helpdesk loop: a rule must fire within that horizon of its start, and
a COUNT must be reached within it."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import DAILY, HOURLY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr
from django.utils.translation import gettext as _

from .choices import HORIZON_YEARS, RULE_MAX_LENGTH

ALLOWED_FREQUENCIES = {YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY}
MIN_GAP = timedelta(hours=1)
# Occurrences checked for the minimum gap between two.
GAP_SAMPLE = 200
# How long a rule's first occurrences may take to find (see _first_occurrences).
CHECK_SECONDS = 1.0
_SLOW_RULES: set = set()
PARSE_ERRORS = (ValueError, TypeError, OverflowError, KeyError, IndexError, AttributeError)


class RecurrenceError(ValueError):
    """A rule that cannot be used; the message says why, for the person who wrote it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def rule_normalised(text: str) -> str:
    """The rule as stored: upper case, no ``RRULE:`` prefix, no spaces or line breaks."""
    return "".join(str(text or "").split()).upper().removeprefix("RRULE:")


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise RecurrenceError(_("“%(zone)s” is not a known time zone.") % {"zone": str(name)[:64]}) from None


def wall_time(instant: datetime, zone: ZoneInfo) -> datetime:
    """An instant as a naive wall-clock time in ``zone`` (what the rule counts in)."""
    if instant.tzinfo is not None:
        instant = instant.astimezone(zone)
    return instant.replace(tzinfo=None, fold=0)


def instant_of(wall: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in ``zone`` as an aware instant in that zone."""
    return wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def _horizon(start: datetime) -> datetime:
    try:
        return start.replace(year=start.year + HORIZON_YEARS)
    except ValueError:  # 29 February
        return start.replace(year=start.year + HORIZON_YEARS, day=28)


def _bounded(rule: rrule, start: datetime) -> rrule:
    until = _horizon(start)
    if rule._until is not None:
        until = min(until, rule._until)
    return rule.replace(until=until, count=None)


def _first_occurrences(rule: rrule, start: datetime) -> list[datetime]:
    """The first GAP_SAMPLE occurrences within the horizon, or none. dateutil looks for a
    rule's first occurrence up to the year 9999 whatever its end (a rule that never fires,
    such as every 30 February, takes seconds): the search runs in a thread given
    CHECK_SECONDS, and a rule it cannot settle in that time is treated as never firing."""
    if rule in _SLOW_RULES:
        return []
    found: list[datetime] = []

    def search() -> None:
        try:
            found.extend(_bounded(rule, start).xafter(start, count=GAP_SAMPLE, inc=True))
        except PARSE_ERRORS:
            found.clear()

    worker = threading.Thread(target=search, daemon=True, name="rrule-check")
    worker.start()
    worker.join(CHECK_SECONDS)
    if worker.is_alive():
        _SLOW_RULES.add(rule)
        return []
    return found


@lru_cache(maxsize=512)
def _parse(value: str, start: datetime) -> rrule:
    if not value:
        raise RecurrenceError(_("Choose how often the work recurs, or write a rule."))
    if len(value) > RULE_MAX_LENGTH:
        raise RecurrenceError(_("A rule is at most %(count)d characters.") % {"count": RULE_MAX_LENGTH})
    if "DTSTART" in value or ":" in value:
        raise RecurrenceError(_("Write the rule alone (e.g. FREQ=WEEKLY;BYDAY=FR): the start has its own field."))
    if not (value.startswith("FREQ=") or ";FREQ=" in value):
        raise RecurrenceError(_("A rule needs FREQ, e.g. FREQ=MONTHLY;BYDAY=1MO (every first Monday)."))
    try:
        rule = rrulestr(value, dtstart=start, ignoretz=True)
    except PARSE_ERRORS as exc:
        raise RecurrenceError(
            _("“%(rule)s” is not a recurrence rule (%(why)s). Example: FREQ=MONTHLY;INTERVAL=3.")
            % {"rule": value[:80], "why": str(exc)[:120]}
        ) from None
    if not isinstance(rule, rrule):  # pragma: no cover - a single RRULE line always parses to one
        raise RecurrenceError(_("Write one rule, not a set of rules."))
    if rule._freq not in ALLOWED_FREQUENCIES:
        raise RecurrenceError(
            _("Maintenance recurs at most hourly: use FREQ=HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY.")
        )
    if rule._until is not None and rule._until.tzinfo is not None:
        rule = rule.replace(until=rule._until.replace(tzinfo=None))
    sample = _first_occurrences(rule, start)
    if not sample:
        raise RecurrenceError(
            _("This rule never fires within %(years)d years of its start: check its days, months and end.")
            % {"years": HORIZON_YEARS}
        )
    for earlier, later in zip(sample, sample[1:], strict=False):
        if later - earlier < MIN_GAP:
            raise RecurrenceError(
                _(
                    "This rule fires more than once an hour (%(first)s, then %(second)s): maintenance recurs at most hourly."
                )
                % {"first": f"{earlier:%Y-%m-%d %H:%M}", "second": f"{later:%Y-%m-%d %H:%M}"}
            )
    if rule._count:
        # A COUNT becomes the end it reaches, so that every later search stays bounded.
        last = list(_bounded(rule, start).xafter(start, count=rule._count, inc=True))
        if len(last) < rule._count:
            raise RecurrenceError(
                _("COUNT=%(count)d is not reached within %(years)d years: use UNTIL=… for an end date instead.")
                % {"count": rule._count, "years": HORIZON_YEARS}
            )
        rule = rule.replace(count=None, until=last[-1])
    return rule


def rule_parse(text: str, *, dtstart: datetime, time_zone: str) -> rrule:
    """The rule, checked: one RRULE of at most RULE_MAX_LENGTH characters, yearly to
    hourly, firing within HORIZON_YEARS of ``dtstart`` and never twice within an hour.
    It counts in naive wall-clock times of ``time_zone``."""
    return _parse(rule_normalised(text), wall_time(dtstart, zone_of(time_zone)))


def _instants(text: str, *, dtstart: datetime, time_zone: str, after: datetime, inclusive: bool) -> Iterator[datetime]:
    """The occurrences at (or strictly after) the instant ``after``, aware in ``time_zone``,
    lazily, looked for no further than HORIZON_YEARS ahead."""
    zone = zone_of(time_zone)
    rule = rule_parse(text, dtstart=dtstart, time_zone=time_zone)
    start = wall_time(dtstart, zone)
    # Wall-clock times repeat in the hour a clock goes back: look from two hours earlier
    # and keep the instants that are past ``after``.
    since = max(wall_time(after, zone) - timedelta(hours=2), start)
    for wall in _bounded(rule, since).xafter(since, inc=True):
        instant = instant_of(wall, zone)
        if instant > after or (inclusive and instant == after):
            yield instant


def occurrences(
    text: str, *, dtstart: datetime, time_zone: str, after: datetime, count: int, inclusive: bool = True
) -> list[datetime]:
    """Up to ``count`` occurrences at (or strictly after) the instant ``after``, aware in
    ``time_zone``, looked for no further than HORIZON_YEARS ahead."""
    found = _instants(text, dtstart=dtstart, time_zone=time_zone, after=after, inclusive=inclusive)
    return list(islice(found, count))


def next_occurrence(text: str, *, dtstart: datetime, time_zone: str, after: datetime) -> datetime | None:
    """The first occurrence strictly after the instant ``after``, or None when the rule has
    ended (or does not fire again within the horizon)."""
    found = occurrences(text, dtstart=dtstart, time_zone=time_zone, after=after, count=1, inclusive=False)
    return found[0] if found else None


def latest_occurrence_until(
    text: str, *, dtstart: datetime, time_zone: str, since: datetime, until: datetime
) -> datetime | None:
    """The last occurrence from ``since`` to ``until`` (instants, both included), or None."""
    latest = None
    for instant in _instants(text, dtstart=dtstart, time_zone=time_zone, after=since, inclusive=True):
        if instant > until:
            break
        latest = instant
    return latest
