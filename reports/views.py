import csv
from collections.abc import Iterable, Iterator

from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from accounts.choices import Level
from maintenance.selectors import maintenance_report
from tickets.choices import Priority
from tickets.models import reference_for

from .access import report_filters, report_for, report_owner, report_time_zone
from .drilldown import ReportLinks
from .forms import MonthForm, ReportFilterForm
from .selectors import (
    RangeReport,
    ReportFilters,
    live_figures,
    tickets_for_export,
    time_per_ticket,
)
from .selectors.time import TICKETS_SHOWN
from .selectors.vendors import vendor_performance

_scope = report_owner


def _time_zone(request) -> str:
    return report_time_zone(request.user)


def _filters(request) -> tuple[ReportFilterForm, ReportFilters | None]:
    return report_filters(user=request.user, params=request.GET)


_report = report_for


def _level_rows(report: RangeReport) -> list[dict]:
    """SLA compliance per level (all priorities), for the chart."""
    rows = []
    for level, label in Level.choices:
        cells = [row for row in report.compliance if row["level"] == level]
        fr = sum(c["fr_met"] for c in cells), sum(c["fr_missed"] for c in cells)
        res = sum(c["res_met"] for c in cells), sum(c["res_missed"] for c in cells)
        rows.append(
            {
                "label": str(label),
                "fr_pct": round(100 * fr[0] / sum(fr), 1) if sum(fr) else None,
                "res_pct": round(100 * res[0] / sum(res), 1) if sum(res) else None,
            }
        )
    return rows


def _chart_data(report: RangeReport) -> dict:
    funnel = report.funnel
    return {
        "trend": {
            "labels": [row["day"].isoformat() for row in report.trend],
            "created": [row["created"] for row in report.trend],
            "resolved": [row["resolved"] for row in report.trend],
        },
        "compliance": _level_rows(report),
        "funnel": [
            funnel["started"][Level.I],
            funnel["escalated_to"][Level.II],
            funnel["escalated_to"][Level.III],
            funnel["bounced"],
        ],
        "aging": list(report.aging.values()),
        "channels": {
            "labels": [str(r["label"]) for r in report.channels],
            "values": [r["tickets"] for r in report.channels],
        },
        "categories": {
            "labels": [r["label"] or _("No category") for r in report.categories[:10]],
            "values": [r["tickets"] for r in report.categories[:10]],
        },
    }


@require_GET
def reports(request):
    form, filters = _filters(request)
    context = {"form": form, "personal": _scope(request.user) is not None, "query": request.GET.urlencode()}
    if filters is None:
        return render(request, "reports/reports.html", context, status=400)
    report = _report(filters)
    aging_labels = [_("0–1 day"), _("1–3 days"), _("3–7 days"), _("Over 7 days")]
    links = ReportLinks(filters)
    days = links.days()
    context.update(
        {
            "report": report,
            "drill": links,
            "trend_rows": [(row, days.get(row["day"], {})) for row in report.trend],
            "aging_rows": list(zip(aging_labels, report.aging.values(), report.aging.keys(), strict=True)),
            "filters": filters,
            "live": live_figures(filters, now=timezone.now()),
            "priorities": Priority.choices,
            "levels": Level.choices,
            "chart_data": _chart_data(report),
            "tickets_shown": TICKETS_SHOWN,
            "chart_labels": {
                "created": _("Created"),
                "resolved": _("Resolved"),
                "first_response": _("First response met (%)"),
                "resolution": _("Resolution met (%)"),
                "funnel": [_("Started at Level I"), _("Escalated to II"), _("Escalated to III"), _("Sent back down")],
                "aging": aging_labels,
                "tickets": _("Tickets"),
            },
        }
    )
    return render(request, "reports/reports.html", context)


@require_GET
def live(request):
    """The live part of the reports page (polled by htmx)."""
    form, filters = _filters(request)
    if filters is None:
        return render(request, "reports/_live.html", {"live": None}, status=400)
    return render(
        request,
        "reports/_live.html",
        {
            "live": live_figures(filters, now=timezone.now()),
            "priorities": Priority.choices,
            "levels": Level.choices,
            "drill": ReportLinks(filters),
        },
    )


# --- CSV ---------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() returns the line, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> object:
    """Cells that a spreadsheet would run as a formula are written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if value is None:
        return ""
    if hasattr(value, "total_seconds"):
        return round(value.total_seconds() / 60, 1)
    return value


def _csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # spreadsheets then read the file as UTF-8
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _table(report: RangeReport, name: str) -> tuple[list[str], Iterable[Iterable]]:
    if name == "compliance":
        header = [
            _("Level"),
            _("Priority"),
            _("Tickets"),
            _("First response met"),
            _("First response missed"),
            _("First response met (%)"),
            _("Resolution met"),
            _("Resolution missed"),
            _("Resolution met (%)"),
        ]
        keys = ["level", "priority", "tickets", "fr_met", "fr_missed", "fr_pct", "res_met", "res_missed", "res_pct"]
        return header, ([row[k] for k in keys] for row in report.compliance)
    if name == "response":
        header = [
            _("Level"),
            _("Priority"),
            _("Acknowledged"),
            _("MTTA median (minutes)"),
            _("MTTA p90 (minutes)"),
            _("Resolved"),
            _("MTTR median (minutes)"),
            _("MTTR p90 (minutes)"),
        ]
        keys = ["level", "priority", "acknowledged", "mtta_p50", "mtta_p90", "resolved", "mttr_p50", "mttr_p90"]
        return header, ([row[k] for k in keys] for row in report.response)
    if name == "funnel":
        f = report.funnel
        return [_("Step"), _("Tickets"), _("Rate (%)")], [
            [_("Created"), f["created"], ""],
            [_("Started at Level I"), f["started"][Level.I], ""],
            [_("Started at Level II"), f["started"][Level.II], ""],
            [_("Started at Level III"), f["started"][Level.III], ""],
            [_("Escalated to Level II"), f["escalated_to"][Level.II], f["to_ii_pct"]],
            [_("Escalated to Level III"), f["escalated_to"][Level.III], f["to_iii_pct"]],
            [_("Sent back down"), f["bounced"], f["bounced_pct"]],
            [_("Solved at Level I"), f["solved_at_first"], f["solved_at_first_pct"]],
        ]
    if name == "workload":
        header = [_("Agent"), _("Open, assigned"), _("Resolved"), _("Median handling time (minutes)")]
        return header, ([r["agent"], r["open"], r["resolved"], r["handling_p50"]] for r in report.workload)
    if name == "aging":
        return [_("Age (days)"), _("Open tickets")], list(report.aging.items())
    if name == "channels":
        return [_("Channel"), _("Tickets")], ([str(r["label"]), r["tickets"]] for r in report.channels)
    if name == "categories":
        return [_("Category"), _("Tickets")], (
            [r["label"] or _("No category"), r["tickets"]] for r in report.categories
        )
    if name == "satisfaction":
        header = [_("Grouped by"), _("Name"), _("Ratings"), _("Average (1–5)"), _("Satisfied (%)"), _("Low")]
        figures = report.satisfaction
        groups = [
            (_("All"), [{**figures["totals"], "label": _("All ratings")}]),
            (_("Agent"), figures["agents"]),
            (_("Level"), figures["levels"]),
            (_("Category"), figures["categories"]),
        ]
        return header, (
            [group, row["label"], row["ratings"], row["average"], row["satisfied_pct"], row["low"]]
            for group, rows in groups
            for row in rows
        )
    if name == "time":
        header = [_("Grouped by"), _("Name"), _("Minutes"), _("Entries"), _("Tickets")]
        figures = report.time
        groups = [
            (_("All"), [{**figures["totals"], "label": _("All time recorded")}]),
            (_("Agent"), figures["agents"]),
            (_("Level"), figures["levels"]),
            (_("Category"), figures["categories"]),
        ]
        every_ticket = (
            {**row, "label": f"{row['reference']} {row['label']}"} for row in time_per_ticket(report.filters)
        )
        return header, (
            [group, row["label"], row["minutes"], row["entries"], row["tickets"]]
            for group, rows in [*groups, (_("Ticket"), every_ticket)]
            for row in rows
        )
    if name == "trend":
        return [_("Day"), _("Created"), _("Resolved")], ([r["day"], r["created"], r["resolved"]] for r in report.trend)
    raise Http404


EXPORTS = (
    "compliance",
    "response",
    "funnel",
    "workload",
    "aging",
    "channels",
    "categories",
    "trend",
    "satisfaction",
    "time",
    "tickets",
)


@require_GET
def export(request, name: str):
    if name not in EXPORTS:
        raise Http404
    form, filters = _filters(request)
    if filters is None:
        return render(request, "reports/reports.html", {"form": form, "query": ""}, status=400)
    filename = f"{name}-{filters.start}-{filters.end}.csv"
    if name == "tickets":
        header = [
            _("Ticket"),
            _("Subject"),
            _("Status"),
            _("Priority"),
            _("Level"),
            _("Channel"),
            _("Category"),
            _("Requester"),
            _("Assignee"),
            _("Created"),
            _("First response"),
            _("First response due"),
            _("Resolved"),
            _("Resolution due"),
        ]
        rows = ((reference_for(row[0]), *row[1:]) for row in tickets_for_export(filters))
        return _csv_response(filename, header, rows)
    header, rows = _table(_report(filters), name)
    return _csv_response(filename, header, rows)


# --- the monthly SLA report ---------------------------------------------------------


@require_GET
def monthly(request):
    if _scope(request.user) is not None:
        raise PermissionDenied
    form = MonthForm(request.GET or None, today=timezone.localdate())
    if request.GET and not form.is_valid():
        return render(request, "reports/monthly.html", {"form": form}, status=400)
    if not request.GET:
        form = MonthForm({}, today=timezone.localdate())
        form.is_valid()
    start, end = form.range()
    report = _report(ReportFilters(start=start, end=end, time_zone=_time_zone(request)))
    if request.GET.get("format") == "csv":
        header, rows = _table(report, "compliance")
        return _csv_response(f"sla-{start:%Y-%m}.csv", header, rows)
    # Tickets created in the month and tickets answered or resolved in it are different
    # populations: a level and priority may have the one without the other, and then
    # its times are unknown (None), not missing.
    speed = {(row["level"], row["priority"]): row for row in report.response}
    no_speed = {
        "acknowledged": 0,
        "mtta_p50": None,
        "mtta_p90": None,
        "resolved": 0,
        "mttr_p50": None,
        "mttr_p90": None,
    }
    levels = [
        {
            "level": level,
            "label": label,
            "rows": [
                {**row, "speed": speed.get((level, row["priority"]), no_speed)}
                for row in report.compliance
                if row["level"] == level
            ],
        }
        for level, label in Level.choices
    ]
    return render(
        request,
        "reports/monthly.html",
        {
            "form": form,
            "report": report,
            "levels": levels,
            "month": start,
            "totals": report.compliance_totals,
            "drill": ReportLinks(report.filters),
        },
    )


# --- preventive maintenance ---------------------------------------------------------


@require_GET
def maintenance(request):
    """Per maintenance plan, the runs due in the period: done on time (resolved by their
    due time), late, still open and overdue, and the share done on time; CSV with
    ?format=csv. Supervisors and administrators."""
    if _scope(request.user) is not None:
        raise PermissionDenied
    form, filters = _filters(request)
    context = {"form": form, "query": request.GET.urlencode()}
    if filters is None:
        return render(request, "reports/maintenance.html", context, status=400)
    rows = maintenance_report(since=filters.since, until=filters.until, now=timezone.now())
    if request.GET.get("format") == "csv":
        header = [
            _("Plan"),
            _("Active"),
            _("Runs due"),
            _("Done on time"),
            _("Done late"),
            _("Open"),
            _("Overdue"),
            _("Done on time (%)"),
        ]
        lines = (
            (row.name, row.is_active, row.due, row.on_time, row.late, row.open, row.overdue, row.on_time_pct)
            for row in rows
        )
        return _csv_response(f"maintenance-{filters.start}-{filters.end}.csv", header, lines)
    totals = {key: sum(getattr(row, key) for row in rows) for key in ("due", "on_time", "late", "open", "overdue")}
    totals["on_time_pct"] = round(100 * totals["on_time"] / totals["due"], 1) if totals["due"] else None
    # Each figure links to the tickets its runs opened (maintenance.filters adds the filters).
    period = QueryDict(mutable=True)
    period.update(
        {"maintenance_due_after": filters.since.isoformat(), "maintenance_due_before": filters.until.isoformat()}
    )
    context.update(
        {
            "rows": rows,
            "filters": filters,
            "totals": totals,
            "list_url": reverse("tickets:list"),
            "period": period.urlencode(),
        }
    )
    return render(request, "reports/maintenance.html", context)


# --- vendors against their contracts --------------------------------------------------

VENDOR_COLUMNS = [
    ("vendor__name", _lazy("Vendor")),
    ("escalations", _lazy("Escalations")),
    ("responses_met", _lazy("Response met")),
    ("responses_missed", _lazy("Response missed")),
    ("response_p50", _lazy("Response median (min)")),
    ("response_p90", _lazy("Response p90 (min)")),
    ("resolutions_met", _lazy("Resolution met")),
    ("resolutions_missed", _lazy("Resolution missed")),
    ("resolution_p50", _lazy("Resolution median (min)")),
    ("resolution_p90", _lazy("Resolution p90 (min)")),
    ("open", _lazy("Open")),
    ("open_overdue", _lazy("Open and overdue")),
]


@require_GET
def vendors(request):
    """Vendor response and resolution against their contracts, per vendor, over a period
    (escalations made in it); supervisors and administrators; CSV with ``format=csv``."""
    if _scope(request.user) is not None:
        raise PermissionDenied
    form, filters = _filters(request)
    if filters is None:
        return render(request, "reports/vendors.html", {"form": form}, status=400)
    rows = vendor_performance(filters, now=timezone.now())
    if request.GET.get("format") == "csv":
        header = [str(label) for _key, label in VENDOR_COLUMNS]
        lines = ([row[key] for key, _label in VENDOR_COLUMNS] for row in rows)
        return _csv_response(f"vendors-{filters.start}-{filters.end}.csv", header, lines)
    query = request.GET.copy()
    query["format"] = "csv"
    return render(
        request,
        "reports/vendors.html",
        {"form": form, "filters": filters, "rows": rows, "csv_query": query.urlencode()},
    )
