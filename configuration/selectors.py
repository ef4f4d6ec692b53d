"""Reads of the configuration pages: what a change governs and how its recompute goes."""

from django.db.models import QuerySet

from sla.models import Calendar, SlaPolicy
from tickets.models import Category, Ticket
from tickets.services import tickets_governed_open

from .choices import RecomputeScope
from .models import RecomputeRun


def scope_policies(*, scope: str, object_id: int) -> QuerySet[SlaPolicy]:
    """The policies a recompute's scope stands for: the one policy, or every policy that
    counts in the calendar."""
    if scope == RecomputeScope.POLICY:
        return SlaPolicy.objects.filter(pk=object_id)
    return SlaPolicy.objects.filter(calendar_id=object_id)


def governed_open_tickets(*, scope: str, object_id: int) -> QuerySet[Ticket]:
    """The open tickets whose due times the policy (or the calendar) governs now."""
    return tickets_governed_open(policies=list(scope_policies(scope=scope, object_id=object_id)))


def recompute_scope_subject(*, scope: str, object_id: int) -> str | None:
    """What the scope is called, or None when it names nothing that exists."""
    if scope == RecomputeScope.POLICY:
        policy = SlaPolicy.objects.select_related("category").filter(pk=object_id).first()
        return str(policy) if policy else None
    calendar = Calendar.objects.filter(pk=object_id).first()
    return calendar.display_name if calendar else None


def sla_policies_listed() -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.select_related("category", "calendar").order_by("priority", "category__name")


def sla_policy_get(*, policy_id: int) -> SlaPolicy | None:
    return sla_policies_listed().filter(pk=policy_id).first()


def sla_default_policy(*, priority: int) -> SlaPolicy | None:
    return SlaPolicy.objects.filter(priority=priority, category__isnull=True).first()


def calendars_with_holidays() -> QuerySet[Calendar]:
    return Calendar.objects.prefetch_related("holidays").order_by("name")


def categories_listed() -> QuerySet[Category]:
    return Category.objects.order_by("-is_active", "name")


def category_get(*, category_id: int) -> Category | None:
    return Category.objects.filter(pk=category_id).first()


def recompute_runs_recent(*, limit: int = 20) -> QuerySet[RecomputeRun]:
    return RecomputeRun.objects.select_related("requested_by").order_by("-created_at", "-id")[:limit]


def recompute_run_get(*, run_id: int) -> RecomputeRun | None:
    return RecomputeRun.objects.select_related("requested_by").filter(pk=run_id).first()
