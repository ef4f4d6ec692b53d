"""Reads of the procurement app: the lists, one request with everything its page shows,
the reports on a ticket, and what a ticket's requester may know of them."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.selectors import agent_levels

from .choices import AWAITING_APPROVAL, ProcurementStatus, ReportStatus
from .models import ComponentReport, ProcurementEvent, ProcurementItem, ProcurementRequest, pk_from_reference


def procurement_list(
    *,
    status: str = "",
    requested_by: int | None = None,
    supplier: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[ProcurementRequest]:
    """Procurement requests, newest first, filtered; their people and supplier joined, so
    a page of them costs one query whatever it holds."""
    requests = ProcurementRequest.objects.select_related("requested_by", "supplier")
    if status:
        requests = requests.filter(status=status)
    if requested_by:
        requests = requests.filter(requested_by_id=requested_by)
    if supplier:
        requests = requests.filter(supplier_id=supplier)
    zone = timezone.get_current_timezone()
    if since:
        requests = requests.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until:
        requests = requests.filter(created_at__lt=datetime.combine(until, time.max, tzinfo=zone))
    return requests.order_by("-created_at", "-id")


def procurement_get(*, user, reference: str) -> ProcurementRequest:
    """One request with its items, events, tickets, assets and people, for support staff
    (anyone else: 404, so references cannot be probed)."""
    pk = pk_from_reference(reference)
    if pk is None or not agent_levels(user):
        raise Http404
    request = (
        ProcurementRequest.objects.select_related(
            "requested_by", "first_approved_by", "second_approved_by", "supplier", "received_by"
        )
        .prefetch_related(
            Prefetch(
                "items",
                queryset=ProcurementItem.objects.select_related(
                    "replaces_asset", "replaces_asset__user", "received_asset", "received_asset__user"
                ).order_by("pk"),
            ),
            Prefetch("events", queryset=ProcurementEvent.objects.select_related("actor").order_by("created_at", "pk")),
            "tickets",
            "assets",
        )
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404
    return request


def procurement_waiting_for(*, user) -> QuerySet[ProcurementRequest]:
    """Requests waiting for this person's approval: submitted ones, or first-approved ones
    they did not approve; never their own."""
    return (
        ProcurementRequest.objects.filter(status__in=AWAITING_APPROVAL)
        .exclude(requested_by=user)
        .exclude(status=ProcurementStatus.FIRST_APPROVED, first_approved_by=user)
        .select_related("requested_by", "supplier")
        .order_by("created_at", "id")
    )


def component_reports(*, status: str = "", waiting_for=None) -> QuerySet[ComponentReport]:
    """Component reports, newest first; ``waiting_for`` a person: those still to decide
    that they did not file."""
    reports = ComponentReport.objects.select_related(
        "ticket", "asset", "reported_by", "decided_by", "procurement"
    ).order_by("-reported_at", "-id")
    if waiting_for is not None:
        reports = (
            reports.filter(status=ReportStatus.PENDING).exclude(reported_by=waiting_for).order_by("reported_at", "id")
        )
    elif status:
        reports = reports.filter(status=status)
    return reports


def ticket_component_reports(*, ticket) -> list[ComponentReport]:
    return list(
        ComponentReport.objects.filter(ticket=ticket)
        .select_related("asset", "reported_by", "decided_by", "procurement", "procurement__supplier")
        .order_by("reported_at", "id")
    )


@dataclass(frozen=True)
class RequesterLine:
    """What the ticket's requester reads of one report: where it stands, no cost, no reason."""

    text: str


def requester_status_lines(reports: list[ComponentReport]) -> list[RequesterLine]:
    """The status of each decided report in plain words for the person who filed the
    ticket: replacement approved, ordered (and when it is expected), received; repair."""
    lines = []
    for report in reports:
        procurement = report.procurement
        if report.status == ReportStatus.REPAIR_APPROVED:
            text = _("Repair of %(asset)s approved.") % {"asset": report.asset.tag}
        elif report.status != ReportStatus.REPLACE_APPROVED or procurement is None:
            continue
        elif procurement.status == ProcurementStatus.ORDERED and procurement.expected_on:
            text = _("Replacement of %(asset)s approved, ordered, expected %(date)s.") % {
                "asset": report.asset.tag,
                "date": _date_text(procurement.expected_on),
            }
        elif procurement.status == ProcurementStatus.RECEIVED:
            text = _("Replacement of %(asset)s received.") % {"asset": report.asset.tag}
        elif procurement.status == ProcurementStatus.APPROVED:
            text = _("Replacement of %(asset)s approved.") % {"asset": report.asset.tag}
        elif procurement.status in (ProcurementStatus.REJECTED, ProcurementStatus.CANCELLED):
            text = _("Replacement of %(asset)s will not go ahead.") % {"asset": report.asset.tag}
        else:
            text = _("Replacement of %(asset)s waiting for approval.") % {"asset": report.asset.tag}
        lines.append(RequesterLine(text))
    return lines


def _date_text(value: date) -> str:
    return date_format(value, "j M")
