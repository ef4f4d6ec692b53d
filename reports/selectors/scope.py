"""What a report covers: the period, the filters, and the populations it counts."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from accounts.choices import Level
from tickets.choices import AGE_BUCKETS
from tickets.models import Ticket

LEVEL_KEYS = {Level.I: "at_i", Level.II: "at_ii", Level.III: "at_iii"}
AGING_BUCKETS = AGE_BUCKETS
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class ReportFilters:
    """What a report covers: a range of whole days in ``time_zone`` (``end`` included),
    and optionally one level, one category and one agent (the assignee)."""

    start: date
    end: date
    time_zone: str = "Asia/Jakarta"
    level: int | None = None
    category_id: int | None = None
    agent_id: int | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=self.zone)

    @property
    def until(self) -> datetime:
        """The first instant after the range."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.zone)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def cache_key(self) -> str:
        return f"{self.start}:{self.end}:{self.time_zone}:{self.level}:{self.category_id}:{self.agent_id}"


def scoped(filters: ReportFilters, queryset: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    """Tickets narrowed by the level, category and agent filters (not by dates)."""
    tickets = Ticket.objects.all() if queryset is None else queryset
    if filters.level is not None:
        tickets = tickets.filter(level=filters.level)
    if filters.category_id is not None:
        tickets = tickets.filter(category_id=filters.category_id)
    if filters.agent_id is not None:
        tickets = tickets.filter(assignee_id=filters.agent_id)
    return tickets.order_by()


def created_in_range(filters: ReportFilters) -> QuerySet[Ticket]:
    return scoped(filters).filter(created_at__gte=filters.since, created_at__lt=filters.until)


def resolved_in_range(filters: ReportFilters) -> QuerySet[Ticket]:
    return scoped(filters).filter(resolved_at__gte=filters.since, resolved_at__lt=filters.until)


def pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def month_range(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)
