"""What the reports show of now: the open backlog per level and priority, and the oldest."""

from datetime import datetime

from django.db.models import Count, Q, Value

from accounts.choices import Level
from tickets.choices import OPEN_STATUSES, Priority
from tickets.models import Ticket

from .scope import ReportFilters, scoped


def oldest_open_per_level(filters: ReportFilters) -> dict[int, Ticket | None]:
    """The oldest open ticket of each level: one short indexed query per level."""
    tickets = scoped(ReportFilters(**{**filters.__dict__, "level": None})).filter(status__in=OPEN_STATUSES)
    levels = [filters.level] if filters.level is not None else list(Level.values)
    return {
        level: tickets.filter(level=level).select_related("assignee").order_by("created_at", "id").first()
        for level in levels
    }


def live_figures(filters: ReportFilters, *, now: datetime) -> dict:
    """Open tickets now, per level and priority, with how many of them are unassigned,
    at risk (warned, not yet due) and breached: one aggregate query."""
    rows = (
        scoped(filters)
        .filter(status__in=OPEN_STATUSES)
        .values("level", "priority")
        .annotate(
            open=Count("*"),
            # Value(1), not "id": the counts then come from the live index alone.
            unassigned=Count(Value(1), filter=Q(assignee__isnull=True)),
            at_risk=Count(
                Value(1), filter=Q(sla_warn_at__lte=now) & (Q(sla_due_at__gt=now) | Q(sla_due_at__isnull=True))
            ),
            breached=Count(Value(1), filter=Q(sla_due_at__lte=now)),
        )
        .order_by()
    )
    levels = [filters.level] if filters.level is not None else list(Level.values)
    empty = {"open": 0, "unassigned": 0, "at_risk": 0, "breached": 0}
    matrix = {level: {priority: 0 for priority in Priority.values} for level in levels}
    per_level = {level: dict(empty) for level in levels}
    for row in rows:
        if row["level"] not in matrix:
            continue
        matrix[row["level"]][row["priority"]] = row["open"]
        for key in empty:
            per_level[row["level"]][key] += row[key]
    totals = {key: sum(level[key] for level in per_level.values()) for key in empty}
    return {"matrix": matrix, "per_level": per_level, "totals": totals, "oldest": oldest_open_per_level(filters)}
