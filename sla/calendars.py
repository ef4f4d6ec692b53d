"""Business-hours arithmetic for SLA targets: weekly windows, holidays and stop-start clocks.

Pure functions of their arguments: no models, no database, no settings. The conventions
below are relied on by the SLA services, so they are part of the interface.

* Datetimes going in must be timezone-aware (``ValueError`` otherwise) and may be in any
  zone. Datetimes coming out are aware and in UTC. Python adds and compares two datetimes
  that share one ``ZoneInfo`` by their wall clocks, which is wrong across a DST change; UTC
  values have no such trap. Convert with ``.astimezone(calendar.tz)`` to display.
* Windows are half-open: 08:00-17:00 is working at 08:00 and not at 17:00. ``add`` with a
  positive duration returns the instant at which the last working microsecond ends, which
  may be exactly a window end (Monday 08:00 + 9 h is Monday 17:00, not Tuesday 08:00).
  ``add`` with a zero duration returns the first working instant at or after the start.
* Wall-clock times, weekdays and holidays are local to ``tz``. An end of ``time(0)`` means
  24:00, the midnight that ends the day. Windows never cross midnight: a night shift is
  22:00-24:00 on one day and 00:00-06:00 on the next, and each part follows its own day's
  holiday status.
* A window counts its real elapsed time. One that contains a spring-forward gap is an hour
  shorter, one that contains a repeated fall-back hour is an hour longer. A nonexistent or
  ambiguous wall-clock time is read with ``fold=0`` as zoneinfo does (the offset in force
  before the transition); where that would put the boundaries of a day's windows out of
  order, the later window is clipped so that windows never overlap.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Self
from zoneinfo import ZoneInfo

from holidays import country_holidays
from holidays.constants import GOVERNMENT, PUBLIC

ZERO = timedelta(0)
DAY = timedelta(days=1)
MIDNIGHT = time(0)

WallWindow = tuple[time, time]
Span = tuple[timedelta, timedelta]
Interval = tuple[datetime, datetime]
Run = tuple[datetime, datetime | None]


def _aware_utc(at: datetime, name: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {at!r}")
    return at.astimezone(UTC)


def _zone(tz: ZoneInfo | str) -> ZoneInfo:
    if isinstance(tz, str):
        return ZoneInfo(tz)
    if not isinstance(tz, ZoneInfo):
        raise TypeError(f"tz must be a zoneinfo.ZoneInfo or an IANA zone name, got {tz!r}")
    return tz


def _since_midnight(moment: time) -> timedelta:
    return timedelta(hours=moment.hour, minutes=moment.minute, seconds=moment.second, microseconds=moment.microsecond)


def _merged_spans(weekday: int, windows: Iterable[WallWindow]) -> tuple[Span, ...]:
    """One weekday's windows as offsets from local midnight; touching windows become one."""
    spans: list[Span] = []
    for start, end in windows:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"weekday {weekday}: window times are local wall-clock times without tzinfo")
        begin = _since_midnight(start)
        finish = DAY if end == MIDNIGHT else _since_midnight(end)
        if finish <= begin:
            raise ValueError(f"weekday {weekday}: window {start}-{end} must end after it starts")
        if spans and begin < spans[-1][1]:
            raise ValueError(f"weekday {weekday}: windows must be sorted and must not overlap")
        if spans and begin == spans[-1][1]:
            spans[-1] = (spans[-1][0], finish)
        else:
            spans.append((begin, finish))
    return tuple(spans)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working time in one time zone: weekly hours and holidays (or around the clock).

    ``weekly`` has 7 entries, Monday first; each is a sorted tuple of non-overlapping
    ``(start, end)`` wall-clock windows with end after start, where an end of ``time(0)``
    stands for 24:00; touching windows are merged, and lists are stored as tuples so the
    calendar stays hashable. ``holidays`` are local dates without working time. With
    ``always_open`` every instant counts and ``weekly`` and ``holidays`` are ignored.
    """

    tz: ZoneInfo
    weekly: tuple[tuple[WallWindow, ...], ...]
    holidays: frozenset[date] = frozenset()
    always_open: bool = False
    # Each weekday's windows as offsets from local midnight, and their total, so that a whole
    # day without a UTC-offset change is skipped with one subtraction.
    _spans: tuple[tuple[Span, ...], ...] = field(init=False, repr=False, compare=False)
    _day_lengths: tuple[timedelta, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        weekly = tuple(tuple((start, end) for start, end in windows) for windows in self.weekly)
        if len(weekly) != 7:
            raise ValueError(f"weekly needs 7 entries, Monday first; got {len(weekly)}")
        holidays = frozenset(self.holidays)
        for holiday in holidays:
            if isinstance(holiday, datetime) or not isinstance(holiday, date):
                raise ValueError(f"holidays are dates, got {holiday!r}")
        spans = tuple(_merged_spans(weekday, windows) for weekday, windows in enumerate(weekly))
        if not self.always_open and not any(spans):
            raise ValueError("a calendar needs at least one working window, or always_open=True")
        object.__setattr__(self, "tz", _zone(self.tz))
        object.__setattr__(self, "weekly", weekly)
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "_spans", spans)
        object.__setattr__(self, "_day_lengths", tuple(sum((end - start for start, end in day), ZERO) for day in spans))

    @classmethod
    def around_the_clock(cls, tz: ZoneInfo | str) -> Self:
        """Every instant is working time, holidays included (24x7)."""
        return cls(_zone(tz), tuple(((MIDNIGHT, MIDNIGHT),) for _ in range(7)), always_open=True)

    @classmethod
    def office_hours(
        cls,
        tz: ZoneInfo | str,
        *,
        days: Iterable[int] = range(0, 5),
        start: time = time(8),
        end: time = time(17),
        holidays: Iterable[date] = (),
    ) -> Self:
        """One window a day on the given weekdays (Monday=0), none on holidays."""
        open_days = set(days)
        if not open_days <= set(range(7)):
            raise ValueError(f"days are weekday numbers 0 (Monday) to 6 (Sunday), got {sorted(open_days)}")
        weekly = tuple(((start, end),) if weekday in open_days else () for weekday in range(7))
        return cls(_zone(tz), weekly, frozenset(holidays))

    def is_working(self, at: datetime) -> bool:
        """Whether ``at`` lies inside a working window (start included, end excluded)."""
        moment = _aware_utc(at, "at")
        if self.always_open:
            return True
        day = moment.astimezone(self.tz).date()
        windows = self._windows(day, self._midnight(day), self._midnight(day + DAY))
        return any(start <= moment < end for start, end in windows)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which `duration` of working time has passed since `start`.
        If start is outside working time, the clock starts at the next working instant.
        duration == 0 returns the first working instant at or after start."""
        begin = _aware_utc(start, "start")
        if duration < ZERO:
            raise ValueError(f"duration must not be negative, got {duration!r}")
        if self.always_open:
            return begin + duration
        remaining = duration
        days = self._days(begin.astimezone(self.tz).date())
        while True:
            day, day_start, day_end = next(days)
            if day in self.holidays:
                continue
            length = self._day_lengths[day.weekday()]
            if day_start >= begin and length < remaining and day_end - day_start == DAY:
                remaining -= length
                continue
            for window_start, window_end in self._windows(day, day_start, day_end):
                if window_end <= begin:
                    continue
                clock = max(window_start, begin)
                available = window_end - clock
                if remaining <= available:
                    return clock + remaining
                remaining -= available

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """Working time in [start, end); zero if end <= start."""
        begin, finish = _aware_utc(start, "start"), _aware_utc(end, "end")
        if finish <= begin:
            return ZERO
        if self.always_open:
            return finish - begin
        total = ZERO
        for day, day_start, day_end in self._days(begin.astimezone(self.tz).date()):
            if day_start >= finish:
                break
            if day in self.holidays:
                continue
            if begin <= day_start and day_end <= finish and day_end - day_start == DAY:
                total += self._day_lengths[day.weekday()]
                continue
            for window_start, window_end in self._windows(day, day_start, day_end):
                overlap = min(window_end, finish) - max(window_start, begin)
                if overlap > ZERO:
                    total += overlap
        return total

    def working_day(self, after: datetime, count: int) -> Interval:
        """The ``count``-th working day after the local date of ``after`` (a day with a
        working window that is not a holiday), as its first working instant and the end of
        its last window, in UTC. ``count`` must be at least 1."""
        begin = _aware_utc(after, "after")
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count!r}")
        days = self._days(begin.astimezone(self.tz).date())
        next(days)
        seen = 0
        for day, day_start, day_end in days:
            windows = self._windows(day, day_start, day_end)
            if not windows:
                continue
            seen += 1
            if seen == count:
                return windows[0][0], windows[-1][1]
        raise AssertionError("unreachable")  # pragma: no cover - the day iterator never ends

    def _midnight(self, day: date) -> datetime:
        """The first instant of a local date, in UTC (fold=0 if midnight is ambiguous or skipped)."""
        return datetime(day.year, day.month, day.day, tzinfo=self.tz).astimezone(UTC)

    def _days(self, first: date) -> Iterator[tuple[date, datetime, datetime]]:
        """Local dates from ``first`` on, each with its first instant and the next day's, in UTC."""
        day, day_start = first, self._midnight(first)
        while True:
            following = day + DAY
            day_end = self._midnight(following)
            yield day, day_start, day_end
            day, day_start = following, day_end

    def _windows(self, day: date, day_start: datetime, day_end: datetime) -> list[Interval]:
        """The working windows of a local date as sorted, non-empty, disjoint UTC intervals."""
        if day in self.holidays:
            return []
        spans = self._spans[day.weekday()]
        if day_end - day_start == DAY:
            # No UTC-offset change inside this day (no zone changes twice within 24 hours), so
            # a wall-clock offset from midnight is also the real time elapsed since midnight.
            return [(day_start + begin, day_start + finish) for begin, finish in spans]
        windows: list[Interval] = []
        floor = day_start
        for begin, finish in spans:
            start = min(max(self._wall_clock(day, begin, day_end), floor), day_end)
            end = min(max(self._wall_clock(day, finish, day_end), start), day_end)
            if start < end:
                windows.append((start, end))
                floor = end
        return windows

    def _wall_clock(self, day: date, since_midnight: timedelta, day_end: datetime) -> datetime:
        if since_midnight == DAY:
            return day_end
        local = datetime.combine(day, (datetime.min + since_midnight).time(), tzinfo=self.tz)
        return local.astimezone(UTC)


def _checked_runs(runs: Sequence[Run]) -> list[Run]:
    """The runs in UTC, after checking they are sorted, disjoint and open only at the end."""
    checked: list[Run] = []
    for start, end in runs:
        run_start = _aware_utc(start, "a run's start")
        if checked:
            previous_end = checked[-1][1]
            if previous_end is None:
                raise ValueError("only the last run may be open (end=None)")
            if run_start < previous_end:
                raise ValueError("runs must be sorted and must not overlap")
        run_end = None if end is None else _aware_utc(end, "a run's end")
        if run_end is not None and run_end < run_start:
            raise ValueError(f"a run must not end before it starts: {start!r} - {end!r}")
        checked.append((run_start, run_end))
    return checked


def due_from_runs(calendar: BusinessCalendar, runs: list[Run], target: timedelta) -> datetime | None:
    """The SLA clock runs only during `runs` (sorted, non-overlapping [start, end) intervals;
    the last one may be open, end=None, meaning still running). Return the instant at which
    `target` working time has been consumed, or None if the clock is currently stopped (last
    run closed) and the target has not yet been reached. If the target was reached inside a
    closed run, return that instant.

    A single open run gives ``calendar.add(start, target)``; so a zero target is due at the
    first working instant inside a run.
    """
    if target < ZERO:
        raise ValueError(f"target must not be negative, got {target!r}")
    remaining = target
    for run_start, run_end in _checked_runs(runs):
        if run_end is None:
            return calendar.add(run_start, remaining)
        if remaining == ZERO:
            first = calendar.add(run_start, ZERO)
            if first < run_end:
                return first
            continue
        consumed = calendar.working_time(run_start, run_end)
        if consumed >= remaining:
            return calendar.add(run_start, remaining)
        remaining -= consumed
    return None


def working_time_in_runs(calendar: BusinessCalendar, runs: list[Run], *, until: datetime) -> timedelta:
    """Working time consumed across runs, counting open runs up to `until`.

    Closed runs are cut at `until` too, so this is the time consumed as of that instant.
    """
    limit = _aware_utc(until, "until")
    total = ZERO
    for run_start, run_end in _checked_runs(runs):
        if run_start >= limit:
            break
        total += calendar.working_time(run_start, limit if run_end is None else min(run_end, limit))
    return total


def indonesian_holidays(years: Iterable[int], *, language: str = "en_US") -> dict[date, str]:
    """Indonesian public holidays and collective leave days (cuti bersama), name by date.

    The ``holidays`` package keeps cuti bersama in its GOVERNMENT category (decreed for
    civil servants and followed by most employers), apart from the PUBLIC one. Names come
    from that package's own translations: ``language`` is one of ``en_US``, ``id``, ``th``
    or ``uk`` (Django's ``en`` is taken as ``en_US``). Two holidays on one date share an
    entry, their names joined with "; ".
    """
    found = country_holidays(
        "ID",
        years=sorted(set(years)),
        categories=(PUBLIC, GOVERNMENT),
        language="en_US" if language == "en" else language,
    )
    return dict(sorted(found.items()))
