"""Vendors against their contracts over a period: escalations made in it per vendor,
responses and resolutions on time or late, how long they took (median and 90th
percentile, wall-clock time from the escalation) and those still open and overdue.
Three queries whatever the number of escalations."""

from datetime import datetime

from django.db.models import Count, F, Q

from vendors.choices import VendorEscalationStatus
from vendors.models import VendorEscalation

from .percentiles import percentiles
from .scope import ReportFilters


def vendor_performance(filters: ReportFilters, *, now: datetime) -> list[dict]:
    """One row per vendor with escalations in the period, by vendor name."""
    rows = VendorEscalation.objects.filter(escalated_at__gte=filters.since, escalated_at__lt=filters.until)
    response_due = Q(response_due_at__isnull=False)
    resolution_due = Q(resolution_due_at__isnull=False)
    is_open = Q(status=VendorEscalationStatus.OPEN)
    figures = list(
        rows.values("vendor_id", "vendor__name")
        .annotate(
            escalations=Count("id"),
            open=Count("id", filter=is_open),
            responses_met=Count("id", filter=response_due & Q(responded_at__lte=F("response_due_at"))),
            responses_missed=Count(
                "id",
                filter=response_due
                & (Q(responded_at__gt=F("response_due_at")) | Q(responded_at__isnull=True, response_due_at__lt=now)),
            ),
            resolutions_met=Count("id", filter=resolution_due & Q(resolved_at__lte=F("resolution_due_at"))),
            resolutions_missed=Count(
                "id",
                filter=resolution_due
                & (Q(resolved_at__gt=F("resolution_due_at")) | Q(resolved_at__isnull=True, resolution_due_at__lt=now)),
            ),
            open_overdue=Count(
                "id",
                filter=is_open
                & (
                    Q(responded_at__isnull=True, response_due_at__lt=now)
                    | Q(resolved_at__isnull=True, resolution_due_at__lt=now)
                ),
            ),
        )
        .order_by("vendor__name", "vendor_id")
    )
    response = percentiles(
        rows.filter(responded_at__isnull=False), duration=F("responded_at") - F("escalated_at"), group_by=["vendor_id"]
    )
    resolution = percentiles(
        rows.filter(resolved_at__isnull=False), duration=F("resolved_at") - F("escalated_at"), group_by=["vendor_id"]
    )
    for row in figures:
        key = (row["vendor_id"],)
        row["response_p50"] = response.get(key, {}).get(0.5)
        row["response_p90"] = response.get(key, {}).get(0.9)
        row["resolution_p50"] = resolution.get(key, {}).get(0.5)
        row["resolution_p90"] = resolution.get(key, {}).get(0.9)
    return figures
