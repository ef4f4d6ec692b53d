"""Reads of the SLA app: which policy applies, the working-time calendar it counts in,
and what a ticket's clock has recorded. Policies and calendars are read on every ticket
change and changed rarely, so each process keeps them in the ``config`` cache (an
in-memory cache of its own, see settings): saving one clears it in that process at once
(apps.py), other processes see the change within HELPDESK_CONFIG_CACHE_SECONDS."""

from datetime import datetime
from functools import lru_cache
from typing import cast
from zoneinfo import ZoneInfo

from django.core.cache import caches
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .calendars import BusinessCalendar, indonesian_holidays
from .models import Calendar, SlaEvent, SlaPolicy


def config_cache_clear(**kwargs) -> None:
    caches["config"].clear()


def sla_policy_for(*, priority: int, category_id: int | None) -> SlaPolicy | None:
    """The category's own policy for this priority if there is one, else the default."""
    return caches["config"].get_or_set(
        f"sla-policy:{priority}:{category_id}",
        lambda: (
            SlaPolicy.objects.select_related("calendar")
            .filter(Q(category_id=category_id) | Q(category__isnull=True), priority=priority)
            .order_by(F("category_id").asc(nulls_last=True))
            .first()
        ),
    )


@lru_cache(maxsize=64)
def _package_holidays(years: tuple[int, ...]) -> frozenset:
    return frozenset(indonesian_holidays(years))


def business_calendar(calendar: Calendar, *, around: datetime | None = None) -> BusinessCalendar:
    """The arithmetic calendar for a stored one: its periods, its own holidays and, when
    asked for, Indonesian public holidays for the years around ``around``."""
    year = (around or timezone.now()).astimezone(ZoneInfo(calendar.time_zone)).year
    built = caches["config"].get_or_set(
        f"business-calendar:{calendar.pk}:{year}", lambda: _business_calendar(calendar, year)
    )
    return cast(BusinessCalendar, built)


def _business_calendar(calendar: Calendar, year: int) -> BusinessCalendar:
    zone = ZoneInfo(calendar.time_zone)
    if calendar.always_open:
        return BusinessCalendar.around_the_clock(zone)
    weekly: list[list[tuple]] = [[] for _day in range(7)]
    for period in calendar.periods.all():
        weekly[period.weekday].append((period.start, period.end))
    days = set(calendar.holidays.values_list("date", flat=True))
    if calendar.indonesian_holidays:
        days |= _package_holidays((year - 1, year, year + 1))
    return BusinessCalendar(
        tz=zone,
        weekly=tuple(tuple(sorted(windows)) for windows in weekly),
        holidays=frozenset(days),
    )


def sla_thresholds_recorded(*, ticket_id: int) -> set[tuple[str, str]]:
    """The (metric, threshold) pairs the ticket has already crossed."""
    return set(SlaEvent.objects.filter(ticket_id=ticket_id).values_list("metric", "threshold"))


def sla_events_of(*, ticket_id: int) -> QuerySet[SlaEvent]:
    """The thresholds a ticket crossed, in the order they fell due."""
    return SlaEvent.objects.filter(ticket_id=ticket_id).order_by("due_at", "id")


def sla_policies_by_scope() -> dict[tuple[int, int | None], SlaPolicy]:
    """Every policy (with its calendar) by (priority, category id or None), read in one
    query and not cached: for work that must see the configuration as it is now."""
    return {(policy.priority, policy.category_id): policy for policy in SlaPolicy.objects.select_related("calendar")}


def sla_policy_in(
    policies: dict[tuple[int, int | None], SlaPolicy], *, priority: int, category_id: int | None
) -> SlaPolicy | None:
    """What ``sla_policy_for`` answers, looked up in ``sla_policies_by_scope``'s answer."""
    return policies.get((priority, category_id)) or policies.get((priority, None))
