"""Due times from the facts of one ticket's clock: pure arithmetic, no database.

A clock runs from the moment a ticket is filed, pauses and resumes as its owner says
(``ClockFacts.changes``), and thresholds can be crossed only while the ticket is still
being worked. Due times are recomputed from that history on every relevant change, so a
priority change moves them as if the new priority had applied from the start.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from .calendars import BusinessCalendar, due_from_runs
from .choices import THRESHOLDS, SlaMetric, SlaThreshold


@dataclass(frozen=True)
class ClockFacts:
    """What the SLA arithmetic is told about one ticket."""

    started_at: datetime
    # (when, whether the clock runs from then on), oldest first.
    changes: Sequence[tuple[datetime, bool]] = ()
    # Still being worked: thresholds ahead can be crossed.
    is_open: bool = True
    first_response_at: datetime | None = None


class Targets(Protocol):
    """What a policy asks (an ``SlaPolicy`` is one): minutes to first response and to
    resolution, and at what share of them to warn."""

    first_response_minutes: int
    resolution_minutes: int
    first_warning_percent: int
    second_warning_percent: int


@dataclass
class Schedule:
    """Every threshold instant (None while paused), the promise the countdown shows (its
    breach and first warning) and the next instant the sweep must look at."""

    thresholds: dict[tuple[str, str], datetime | None] = field(default_factory=lambda: dict.fromkeys(THRESHOLDS))
    due_at: datetime | None = None
    warn_at: datetime | None = None
    next_check_at: datetime | None = None


def clock_runs(facts: ClockFacts) -> list[tuple[datetime, datetime | None]]:
    """[start, end) intervals in which the clock ran; the last may be open (end None)."""
    runs: list[tuple[datetime, datetime | None]] = []
    started: datetime | None = facts.started_at
    for at, running in facts.changes:
        if running and started is None:
            started = at
        elif not running and started is not None:
            if at > started:
                runs.append((started, at))
            started = None
    if started is not None:
        runs.append((started, None))
    return runs


def current_metric(facts: ClockFacts) -> str | None:
    """The promise the countdown shows: first response until it is given, then
    resolution while the ticket is open; none once it is done."""
    if not facts.is_open:
        return None
    return SlaMetric.FIRST_RESPONSE if facts.first_response_at is None else SlaMetric.RESOLUTION


def pending_thresholds(facts: ClockFacts) -> list[tuple[str, str]]:
    """Thresholds that can still be crossed: first response until it is given,
    resolution while the ticket is open."""
    if not facts.is_open:
        return []
    metrics = [SlaMetric.RESOLUTION] if facts.first_response_at else [SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION]
    return [key for key in THRESHOLDS if key[0] in metrics]


def sla_schedule(
    *,
    facts: ClockFacts,
    targets: Targets | None,
    calendar: BusinessCalendar | None,
    recorded: Collection[tuple[str, str]] = frozenset(),
) -> Schedule:
    """The schedule of a ticket's clock under a policy's targets, counted in the
    calendar's working time; thresholds already ``recorded`` are not checked again."""
    schedule = Schedule()
    if targets is None or calendar is None:
        return schedule
    runs = clock_runs(facts)
    for metric, minutes in (
        (SlaMetric.FIRST_RESPONSE, targets.first_response_minutes),
        (SlaMetric.RESOLUTION, targets.resolution_minutes),
    ):
        target = timedelta(minutes=minutes)
        for threshold, percent in (
            (SlaThreshold.WARNING_1, targets.first_warning_percent),
            (SlaThreshold.WARNING_2, targets.second_warning_percent),
            (SlaThreshold.BREACHED, 100),
        ):
            schedule.thresholds[(metric, threshold)] = due_from_runs(calendar, runs, target * percent / 100)
    current = current_metric(facts)
    if current is not None:
        schedule.due_at = schedule.thresholds[(current, SlaThreshold.BREACHED)]
        schedule.warn_at = schedule.thresholds[(current, SlaThreshold.WARNING_1)]
    upcoming = [
        at for key in pending_thresholds(facts) if key not in recorded and (at := schedule.thresholds[key]) is not None
    ]
    schedule.next_check_at = min(upcoming, default=None)
    return schedule
