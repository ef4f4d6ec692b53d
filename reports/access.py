"""Who sees which report, and the filters it covers: one rule for the reports pages and
the reports API alike."""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from .forms import ReportFilterForm
from .selectors import RangeReport, ReportFilters, range_report


def report_owner(user) -> int | None:
    """None for a supervisor or administrator (every figure); the user's own id for an
    agent (their personal report). Anybody else may not see reports."""
    if user.has_perm("tickets.supervise_ticket"):
        return None
    if user.has_perm("tickets.work_ticket"):
        return user.pk
    raise PermissionDenied


def report_time_zone(user) -> str:
    return getattr(user, "time_zone", "") or settings.TIME_ZONE


def report_filters(*, user, params) -> tuple[ReportFilterForm, ReportFilters | None]:
    """The filter form bound to ``params`` (the last 30 days when there are none) and the
    filters it gives, or None when the form is invalid."""
    own = report_owner(user)
    today = timezone.localdate()
    form = ReportFilterForm(params or {"preset": "30d"}, today=today, personal=own is not None)
    if not form.is_valid():
        return form, None
    filters = form.filters(time_zone=report_time_zone(user), agent_id=own)
    # Show the period a preset stands for in the date fields.
    form.data = form.data.copy()
    form.data["start"], form.data["end"] = filters.start.isoformat(), filters.end.isoformat()
    return form, filters


def report_for(filters: ReportFilters) -> RangeReport:
    """The range report, computed at most once per REPORTS_CACHE_SECONDS for the same
    filters (figures are never older than that)."""
    return cache.get_or_set(
        f"reports:range:{filters.cache_key()}", lambda: range_report(filters), settings.REPORTS_CACHE_SECONDS
    )
