"""The ticket list's filters on maintenance runs (tickets.filters.list_filter_add), so the
maintenance report's figures link to exactly the tickets its runs opened: the plan, the
runs due in a range, and done on time, done late, open or overdue, as the report counts
them (maintenance.selectors). A ticket is opened by at most one run, so each filter reads
the same row."""

import django_filters
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.filters import InstantFilter, list_filter_add

OUTCOMES = (
    ("on_time", _("Done on time")),
    ("late", _("Done late")),
    ("open", _("Open")),
    ("overdue", _("Overdue")),
)


def _outcome(queryset, name, value):
    if value == "on_time":
        return queryset.filter(resolved_at__isnull=False, resolved_at__lte=F("maintenance_run__due_at"))
    if value == "late":
        return queryset.filter(resolved_at__isnull=False, resolved_at__gt=F("maintenance_run__due_at"))
    queryset = queryset.filter(maintenance_run__isnull=False, resolved_at__isnull=True)
    return queryset.filter(maintenance_run__due_at__lte=timezone.now()) if value == "overdue" else queryset


def maintenance_filters_add() -> None:
    list_filter_add(
        "maintenance_plan",
        django_filters.NumberFilter(
            label=_("Maintenance plan (no.)"), field_name="maintenance_run__plan_id", min_value=1, max_value=2**63 - 1
        ),
    )
    list_filter_add(
        "maintenance_due_after",
        InstantFilter(label=_("Maintenance due from"), field_name="maintenance_run__due_at", lookup_expr="gte"),
    )
    list_filter_add(
        "maintenance_due_before",
        InstantFilter(label=_("Maintenance due before"), field_name="maintenance_run__due_at", lookup_expr="lt"),
    )
    list_filter_add(
        "maintenance",
        django_filters.ChoiceFilter(
            label=_("Maintenance run"), choices=OUTCOMES, empty_label=_("Any"), method=_outcome
        ),
    )
