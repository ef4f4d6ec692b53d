"""Reads of preventive maintenance: plans, their runs, what is overdue, and the figures per
plan over a period. Each is a fixed number of queries whatever the number of plans, runs
or tickets."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Max, Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import MaintenancePlan, MaintenanceRun
from .recurrence import RecurrenceError, occurrences

# Overdue: due, and its ticket not resolved (a run whose ticket was deleted counts too).
OVERDUE = Q(ticket__isnull=True) | Q(ticket__resolved_at__isnull=True)
ON_TIME = Q(ticket__resolved_at__isnull=False, ticket__resolved_at__lte=F("due_at"))
LATE = Q(ticket__resolved_at__isnull=False, ticket__resolved_at__gt=F("due_at"))


def plan_list(*, active: bool | None = None) -> QuerySet[MaintenancePlan]:
    """Plans with their asset, category and how many runs each has opened and has overdue
    (one query)."""
    plans = MaintenancePlan.objects.select_related("asset", "category", "created_by").annotate(
        run_count=Count("runs", distinct=True), last_due_at=Max("runs__due_at")
    )
    if active is not None:
        plans = plans.filter(is_active=active)
    return plans.order_by("name", "id")


def plan_get(*, pk) -> MaintenancePlan:
    try:
        number = int(pk)
    except (TypeError, ValueError):
        number = 0
    return get_object_or_404(MaintenancePlan.objects.select_related("asset", "category", "created_by"), pk=number)


def plan_runs(*, plan: MaintenancePlan, limit: int = 100) -> list[MaintenanceRun]:
    """The plan's latest runs, newest first, with their assets and tickets (one query)."""
    return list(
        MaintenanceRun.objects.filter(plan=plan)
        .select_related("asset", "ticket", "ticket__assignee")
        .order_by("-due_at", "id")[:limit]
    )


def plan_preview(*, rrule: str, dtstart: datetime, time_zone: str, after: datetime, count: int = 5) -> list[datetime]:
    """The next ``count`` occurrences from ``after`` (none for a rule that cannot be read)."""
    try:
        return occurrences(rrule, dtstart=dtstart, time_zone=time_zone, after=max(after, dtstart), count=count)
    except RecurrenceError:
        return []


def runs_overdue(*, now: datetime, limit: int = 10) -> tuple[int, list[MaintenanceRun]]:
    """How many runs are overdue now, and the ``limit`` most overdue (two queries)."""
    overdue = MaintenanceRun.objects.filter(OVERDUE, due_at__lte=now)
    total = overdue.count()
    runs = list(overdue.select_related("plan", "asset", "ticket", "ticket__assignee").order_by("due_at", "id")[:limit])
    return total, runs


@dataclass(frozen=True)
class PlanFigures:
    plan_id: int
    name: str
    is_active: bool
    due: int
    on_time: int
    late: int
    open: int
    overdue: int

    @property
    def on_time_pct(self) -> float | None:
        return round(100 * self.on_time / self.due, 1) if self.due else None


def maintenance_report(*, since: datetime, until: datetime, now: datetime) -> list[PlanFigures]:
    """Per plan, the runs due in [since, until): done on time (resolved by the due time),
    done late, still open and, of those, overdue now (one query)."""
    rows = (
        MaintenanceRun.objects.filter(due_at__gte=since, due_at__lt=until)
        .values("plan_id", "plan__name", "plan__is_active")
        .annotate(
            due=Count("id"),
            on_time=Count("id", filter=ON_TIME),
            late=Count("id", filter=LATE),
            open=Count("id", filter=OVERDUE),
            overdue=Count("id", filter=OVERDUE & Q(due_at__lte=now)),
        )
        .order_by("plan__name", "plan_id")
    )
    return [
        PlanFigures(
            plan_id=row["plan_id"],
            name=row["plan__name"],
            is_active=row["plan__is_active"],
            due=row["due"],
            on_time=row["on_time"],
            late=row["late"],
            open=row["open"],
            overdue=row["overdue"],
        )
        for row in rows
    ]
