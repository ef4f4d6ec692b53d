"""Reads of the reports app, by topic: the period and its filters (``scope``), the
figures of a period (``figures``), the time staff spent (``time``), what is open now
(``live``) and the ticket list (``export``). Every figure is one aggregate query over indexed columns."""

from .export import TICKET_EXPORT_FIELDS, tickets_for_export
from .figures import (
    RangeReport,
    agent_workload,
    aging,
    by_category,
    by_channel,
    created_by_channel_and_category,
    escalation_funnel,
    range_report,
    response_times,
    sla_compliance,
    sla_compliance_totals,
    trend,
)
from .live import live_figures, oldest_open_per_level
from .percentiles import PercentileDisc, percentiles
from .satisfaction import ratings_in_range, satisfaction_figures
from .scope import MAX_RANGE_DAYS, ReportFilters, month_range
from .time import time_figures, time_in_range, time_per_ticket

__all__ = [
    "MAX_RANGE_DAYS",
    "TICKET_EXPORT_FIELDS",
    "PercentileDisc",
    "RangeReport",
    "ReportFilters",
    "agent_workload",
    "aging",
    "by_category",
    "by_channel",
    "created_by_channel_and_category",
    "escalation_funnel",
    "live_figures",
    "month_range",
    "oldest_open_per_level",
    "percentiles",
    "range_report",
    "ratings_in_range",
    "response_times",
    "satisfaction_figures",
    "sla_compliance",
    "sla_compliance_totals",
    "tickets_for_export",
    "time_figures",
    "time_in_range",
    "time_per_ticket",
    "trend",
]
