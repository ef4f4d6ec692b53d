"""Writes of the procurement app: component reports and their decision, and procurement
requests from submission to receipt. Each step locks the row it changes, checks the
move and who makes it, writes an append-only event and queues its notifications in the
same transaction, so a refused step leaves nothing behind."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.selectors import agent_can_act_at, level_supervisors
from assets.choices import TAG_MAX_LENGTH, AssetStatus, AssetType
from assets.models import Asset, TicketAsset
from notifications.choices import NotificationKind
from notifications.services import notification_queue
from tickets.choices import OPEN_STATUSES
from tickets.exceptions import TicketError
from tickets.models import Ticket, pk_from_reference
from tickets.services import ticket_resolve
from tickets.text import multi_line, single_line
from vendors.models import Vendor

from .choices import (
    AMOUNT_MAX_DIGITS,
    AWAITING_APPROVAL,
    ITEMS_MAX,
    QUANTITY_MAX,
    REASON_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TRANSITIONS,
    Decision,
    ProcurementStatus,
    Recommendation,
    ReportStatus,
)
from .exceptions import ProcurementError, ProcurementForbidden
from .models import ComponentReport, ProcurementEvent, ProcurementItem, ProcurementRequest
from .rules import is_approver, is_staff

DESCRIPTION_MAX_LENGTH = 300
SHORT_MAX_LENGTH = 120
CENT = Decimal("0.01")


# --- checks shared by every step


def _text(value, *, required: str | None, limit: int, field: str, multi: bool = True) -> str:
    if not isinstance(value, str):
        value = "" if value is None else str(value)
    text = multi_line(value) if multi else single_line(value)
    if required and not text:
        raise ProcurementError(required, field=field)
    if len(text) > limit:
        raise ProcurementError(_("Keep it under %(n)s characters.") % {"n": limit}, field=field)
    return text


def amount_parse(value, *, field: str) -> Decimal:
    """A cost as typed (``1500000``, ``1500000.50``): a finite number, not negative, two
    decimals at most; refused with the reason otherwise."""
    if isinstance(value, bool) or value is None:
        raise ProcurementError(_("Enter an amount, such as 1500000 or 1500000.50."), field=field)
    try:
        amount = Decimal(str(value).strip().replace("_", ""))
    except InvalidOperation:
        raise ProcurementError(_("Enter an amount, such as 1500000 or 1500000.50."), field=field) from None
    if not amount.is_finite():
        raise ProcurementError(_("Enter an amount, such as 1500000 or 1500000.50."), field=field)
    if amount < 0:
        raise ProcurementError(_("A cost cannot be negative."), field=field)
    if amount != amount.quantize(CENT):
        raise ProcurementError(_("Give the amount with two decimals at most."), field=field)
    if amount >= Decimal(10) ** (AMOUNT_MAX_DIGITS - 2):
        raise ProcurementError(_("That amount is too large."), field=field)
    return amount.quantize(CENT)


def quantity_parse(value, *, field: str) -> int:
    """A whole number of items, at least one."""
    if isinstance(value, bool):
        raise ProcurementError(_("Enter a whole number of items, at least 1."), field=field)
    if isinstance(value, int):
        quantity = value
    else:
        text = str(value if value is not None else "").strip()
        if not text.lstrip("-").isdigit() or len(text) > 9:
            raise ProcurementError(_("Enter a whole number of items, at least 1."), field=field)
        quantity = int(text)
    if quantity <= 0:
        raise ProcurementError(_("The quantity must be at least 1."), field=field)
    if quantity > QUANTITY_MAX:
        raise ProcurementError(_("The quantity must be %(n)s at most.") % {"n": QUANTITY_MAX}, field=field)
    return quantity


def asset_by_tag(tag, *, field: str, lock: bool = False) -> Asset:
    """The asset with this tag (whatever its case); refused, naming the tag, when none has it."""
    text = single_line(tag if isinstance(tag, str) else "")
    if not text:
        raise ProcurementError(_("Enter the asset's tag."), field=field)
    assets = Asset.objects.select_for_update() if lock else Asset.objects
    asset = assets.filter(tag__iexact=text[: TAG_MAX_LENGTH + 1]).first()
    if asset is None:
        raise ProcurementError(_("No asset has the tag “%(tag)s”.") % {"tag": text[:TAG_MAX_LENGTH]}, field=field)
    return asset


def _event(*, by, to_status: str, from_status: str = "", reason: str = "", request=None, report=None) -> None:
    ProcurementEvent.objects.create(
        request=request, report=report, actor=by, from_status=from_status, to_status=to_status, reason=reason
    )


def _lock(request_id: int) -> ProcurementRequest:
    request = (
        ProcurementRequest.objects.select_for_update(of=("self",))
        .select_related("requested_by", "first_approved_by", "supplier")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise ProcurementError(_("That procurement request does not exist."))
    return request


def _require_move(request: ProcurementRequest, to_status: str, message: str) -> None:
    if to_status not in TRANSITIONS[request.status]:
        raise ProcurementError(message % {"ref": request.reference, "status": request.get_status_display()})


def _require_requester_or_approver(request: ProcurementRequest, by) -> None:
    if not (is_staff(by) and (request.requested_by_id == by.pk or is_approver(by))):
        raise ProcurementForbidden(_("Only the person who asked for it, a supervisor or an administrator can do that."))


def _require_approver(request: ProcurementRequest, by) -> None:
    if not is_approver(by):
        raise ProcurementForbidden(
            _("Only a supervisor or an administrator can approve or reject a procurement request.")
        )
    if request.requested_by_id == by.pk:
        raise ProcurementForbidden(_("You asked for this purchase: someone else must approve or reject it."))


# --- notifications


def _first_ticket(request: ProcurementRequest) -> Ticket | None:
    return request.tickets.select_related("requester", "assignee").order_by("pk").first()


def _procurement_notify(*, kind: str, request: ProcurementRequest, people: Iterable, context: dict) -> None:
    people = [person for person in people if person is not None]
    if not people:
        return
    ticket = _first_ticket(request)
    notification_queue(
        kind=kind,
        people=people,
        ticket=ticket,
        priority=ticket.priority if ticket else None,
        context={
            "procurement": request,
            "procurement_url": settings.HELPDESK_BASE_URL + request.get_absolute_url(),
            **context,
        },
        subject_tag=f"[{request.reference}]",
    )


def _approvers_to_ask(request: ProcurementRequest) -> list:
    """Who is asked to approve next: the first time, the supervisors of the first linked
    ticket's level (else every supervisor); for a second approval, every supervisor and
    administrator. Never the requester, nor the person who approved first."""
    excluded = {request.requested_by_id, request.first_approved_by_id}
    if request.status == ProcurementStatus.SUBMITTED:
        ticket = _first_ticket(request)
        people = level_supervisors(level=ticket.level if ticket else 1)
        if not ticket:
            people = list(
                get_user_model().objects.filter(is_active=True, groups__name=Role.SUPERVISOR).distinct().order_by("pk")
            )
    else:
        people = list(
            get_user_model()
            .objects.filter(Q(groups__name__in=[Role.SUPERVISOR, Role.ADMIN]) | Q(is_superuser=True), is_active=True)
            .distinct()
            .order_by("pk")
        )
    return [person for person in people if person.pk not in excluded]


def _decided(request: ProcurementRequest, *, by, reason: str = "") -> None:
    """The requester hears of each decision on their request (not of their own steps),
    its new status in their own language."""
    if request.requested_by_id != by.pk:
        _procurement_notify(
            kind=NotificationKind.PROCUREMENT_DECIDED,
            request=request,
            people=[request.requested_by],
            context={"reason": reason, "actor": by},
        )


# --- component reports


@transaction.atomic
def component_report_file(
    *, ticket_id: int, by, asset_tag: str, fault: str, recommendation: str, estimated_cost
) -> ComponentReport:
    """Record an agent's finding on an open ticket they may act on: the asset (by tag),
    its fault, repair or replace, and the estimated cost in HELPDESK_CURRENCY. The asset
    is linked to the ticket and the level's supervisors are asked to decide."""
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("requester").filter(pk=ticket_id).first()
    if ticket is None:
        raise ProcurementError(_("That ticket does not exist."))
    if not (is_staff(by) and agent_can_act_at(by, ticket.level)):
        raise ProcurementForbidden(_("Only support staff who may act on this ticket can file a component report."))
    if ticket.status not in OPEN_STATUSES:
        raise ProcurementError(_("%(ref)s is closed: reopen it to report on a component.") % {"ref": ticket.reference})
    fault = _text(fault, required=_("Describe the fault."), limit=TEXT_MAX_LENGTH, field="fault")
    if recommendation not in Recommendation.values:
        raise ProcurementError(_("Choose repair or replace."), field="recommendation")
    cost = amount_parse(estimated_cost, field="estimated_cost")
    asset = asset_by_tag(asset_tag, field="asset_tag")
    report = ComponentReport.objects.create(
        ticket=ticket,
        asset=asset,
        fault=fault,
        recommendation=recommendation,
        estimated_cost=cost,
        currency=settings.HELPDESK_CURRENCY,
        reported_by=by,
    )
    TicketAsset.objects.get_or_create(ticket=ticket, asset=asset, defaults={"added_by": by})
    _event(by=by, report=report, to_status=ReportStatus.PENDING)
    supervisors = [person for person in level_supervisors(level=ticket.level) if person.pk != by.pk]
    notification_queue(
        kind=NotificationKind.COMPONENT_REPORT,
        people=supervisors,
        ticket=ticket,
        priority=ticket.priority,
        context={"report": report, "decide_url": settings.HELPDESK_BASE_URL + "/component-reports/"},
        subject_tag=f"[{ticket.reference}]",
    )
    return report


@transaction.atomic
def component_report_decide(*, report_id: int, by, decision: str, reason: str = "") -> ComponentReport:
    """A supervisor's (or an administrator's) decision on a waiting report, never on their
    own: repair puts the asset in repair; replace opens a procurement request filled in
    from the report (requested by the reporter, submitted for approval); reject needs a
    reason. The reporter hears of it."""
    report = (
        ComponentReport.objects.select_for_update(of=("self",))
        .select_related("ticket", "asset", "reported_by")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise ProcurementError(_("That component report does not exist."))
    if not is_approver(by):
        raise ProcurementForbidden(_("Only a supervisor or an administrator can decide on a component report."))
    if report.reported_by_id == by.pk:
        raise ProcurementForbidden(_("You filed this report: someone else must decide on it."))
    if report.status != ReportStatus.PENDING:
        raise ProcurementError(
            _("This report was already decided: “%(status)s”.") % {"status": report.get_status_display()}
        )
    if decision not in Decision.values:
        raise ProcurementError(_("Choose repair, replace or reject."), field="decision")
    required = _("Say why you reject it.") if decision == Decision.REJECT else None
    reason = _text(reason, required=required, limit=REASON_MAX_LENGTH, field="reason")
    now = timezone.now()
    old = report.status
    if decision == Decision.REPAIR:
        report.status = ReportStatus.REPAIR_APPROVED
        Asset.objects.filter(pk=report.asset_id).update(status=AssetStatus.IN_REPAIR, updated_at=now)
    elif decision == Decision.REPLACE:
        report.status = ReportStatus.REPLACE_APPROVED
        report.procurement = _request_create(
            by=report.reported_by,
            items=[
                {
                    "description": (_("Replacement for %(asset)s") % {"asset": report.asset})[:DESCRIPTION_MAX_LENGTH],
                    "quantity": 1,
                    "unit_cost": report.estimated_cost,
                    "replaces_asset": report.asset,
                }
            ],
            reason=report.fault,
            budget_line="",
            tickets=[report.ticket],
            assets=[report.asset],
            submit=True,
            actor=by,
        )
    else:
        report.status = ReportStatus.REJECTED
    report.decided_by, report.decided_at, report.decision_reason = by, now, reason
    report.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "procurement"])
    _event(by=by, report=report, from_status=old, to_status=report.status, reason=reason)
    notification_queue(
        kind=NotificationKind.COMPONENT_REPORT_DECIDED,
        people=[report.reported_by],
        ticket=report.ticket,
        priority=report.ticket.priority,
        context={
            "report": report,
            "reason": reason,
            "actor": by,
            "procurement_url": (
                settings.HELPDESK_BASE_URL + report.procurement.get_absolute_url() if report.procurement else ""
            ),
        },
        subject_tag=f"[{report.ticket.reference}]",
    )
    return report


# --- procurement requests


def _items_clean(items) -> list[dict]:
    if not isinstance(items, list | tuple) or not items:
        raise ProcurementError(_("Add at least one item."), field="items")
    if len(items) > ITEMS_MAX:
        raise ProcurementError(_("A request may have %(n)s items at most.") % {"n": ITEMS_MAX}, field="items")
    cleaned = []
    for item in items:
        if not isinstance(item, dict):
            raise ProcurementError(_("Each item needs a description, a quantity and a unit cost."), field="items")
        replaces = item.get("replaces_asset")
        if replaces is None and single_line(str(item.get("replaces_asset_tag") or "")):
            replaces = asset_by_tag(item.get("replaces_asset_tag"), field="items")
        cleaned.append(
            {
                "description": _text(
                    item.get("description"),
                    required=_("Describe each item."),
                    limit=DESCRIPTION_MAX_LENGTH,
                    field="items",
                    multi=False,
                ),
                "quantity": quantity_parse(item.get("quantity"), field="items"),
                "unit_cost": amount_parse(item.get("unit_cost"), field="items"),
                "replaces_asset": replaces,
            }
        )
    return cleaned


def _request_create(
    *, by, items, reason, budget_line, tickets: list, assets: list, submit: bool, actor=None
) -> ProcurementRequest:
    actor = actor or by
    cleaned = _items_clean(items)
    reason = _text(reason, required=_("Say why this is needed."), limit=TEXT_MAX_LENGTH, field="reason")
    budget_line = _text(budget_line, required=None, limit=SHORT_MAX_LENGTH, field="budget_line", multi=False)
    now = timezone.now()
    request = ProcurementRequest.objects.create(
        status=ProcurementStatus.SUBMITTED if submit else ProcurementStatus.DRAFT,
        reason=reason,
        budget_line=budget_line,
        currency=settings.HELPDESK_CURRENCY,
        total=sum((item["quantity"] * item["unit_cost"] for item in cleaned), Decimal(0)),
        requested_by=by,
        created_at=now,
        submitted_at=now if submit else None,
    )
    ProcurementItem.objects.bulk_create(ProcurementItem(request=request, **item) for item in cleaned)
    linked_assets = {asset.pk: asset for asset in assets}
    linked_assets.update(
        {item["replaces_asset"].pk: item["replaces_asset"] for item in cleaned if item["replaces_asset"]}
    )
    request.tickets.set(tickets)
    request.assets.set(list(linked_assets.values()))
    _event(by=actor, request=request, to_status=request.status)
    if submit:
        _ask_approval(request)
    return request


def _ask_approval(request: ProcurementRequest) -> None:
    _procurement_notify(
        kind=NotificationKind.PROCUREMENT_APPROVAL,
        request=request,
        people=_approvers_to_ask(request),
        context={"second": request.status == ProcurementStatus.FIRST_APPROVED},
    )


def _tickets_by_reference(references: Iterable[str]) -> list[Ticket]:
    wanted: dict[int, str] = {}
    for reference in references:
        text = single_line(str(reference))
        if not text:
            continue
        pk = pk_from_reference(text)
        if pk is None:
            raise ProcurementError(_("“%(ref)s” is not a ticket reference.") % {"ref": text[:40]}, field="tickets")
        wanted[pk] = text
    found = {ticket.pk: ticket for ticket in Ticket.objects.filter(pk__in=list(wanted))}
    for pk, text in wanted.items():
        if pk not in found:
            raise ProcurementError(_("No ticket %(ref)s.") % {"ref": text[:40]}, field="tickets")
    return list(found.values())


@transaction.atomic
def procurement_create(
    *,
    by,
    items: list,
    reason: str,
    budget_line: str = "",
    ticket_references: Iterable[str] = (),
    asset_tags: Iterable[str] = (),
    submit: bool = True,
) -> ProcurementRequest:
    """A procurement request from support staff: its items (quantity at least 1, unit cost
    not negative, optionally the asset each replaces), why, its budget line, and the
    tickets and assets it is for; the total is worked out. Submitted at once (the
    approvers are asked) or kept as a draft."""
    if not is_staff(by):
        raise ProcurementForbidden(_("Only support staff can ask for a purchase."))
    tickets = _tickets_by_reference(ticket_references)
    assets = [asset_by_tag(tag, field="assets") for tag in asset_tags if single_line(str(tag))]
    return _request_create(
        by=by, items=items, reason=reason, budget_line=budget_line, tickets=tickets, assets=assets, submit=submit
    )


@transaction.atomic
def procurement_submit(*, request_id: int, by) -> ProcurementRequest:
    """A draft goes for approval; the approvers are asked."""
    request = _lock(request_id)
    _require_requester_or_approver(request, by)
    _require_move(request, ProcurementStatus.SUBMITTED, _("%(ref)s is “%(status)s”: only a draft can be submitted."))
    old, request.status, request.submitted_at = request.status, ProcurementStatus.SUBMITTED, timezone.now()
    request.save(update_fields=["status", "submitted_at"])
    _event(by=by, request=request, from_status=old, to_status=request.status)
    _ask_approval(request)
    return request


@transaction.atomic
def procurement_approve(*, request_id: int, by, reason: str = "") -> ProcurementRequest:
    """A supervisor's or an administrator's approval, never the requester's own. Above
    HELPDESK_PROCUREMENT_SECOND_APPROVAL_AMOUNT the first approval asks for a second one,
    which must come from a different person; then the request is approved and its
    requester hears of it."""
    request = _lock(request_id)
    _require_approver(request, by)
    if request.status not in AWAITING_APPROVAL:
        raise ProcurementError(
            _("%(ref)s is “%(status)s”: it is not waiting for an approval.")
            % {"ref": request.reference, "status": request.get_status_display()}
        )
    reason = _text(reason, required=None, limit=REASON_MAX_LENGTH, field="reason")
    now = timezone.now()
    old = request.status
    if request.status == ProcurementStatus.FIRST_APPROVED:
        if request.first_approved_by_id == by.pk:
            raise ProcurementForbidden(_("You approved it first: the second approval must come from someone else."))
        request.second_approved_by, request.second_approved_at = by, now
        request.status = ProcurementStatus.APPROVED
    else:
        request.first_approved_by, request.first_approved_at = by, now
        above = request.total > settings.HELPDESK_PROCUREMENT_SECOND_APPROVAL_AMOUNT
        request.status = ProcurementStatus.FIRST_APPROVED if above else ProcurementStatus.APPROVED
    request.decision_reason = reason
    request.save(
        update_fields=[
            "status",
            "first_approved_by",
            "first_approved_at",
            "second_approved_by",
            "second_approved_at",
            "decision_reason",
        ]
    )
    _event(by=by, request=request, from_status=old, to_status=request.status, reason=reason)
    if request.status == ProcurementStatus.FIRST_APPROVED:
        _ask_approval(request)
    _decided(request, by=by, reason=reason)
    return request


@transaction.atomic
def procurement_reject(*, request_id: int, by, reason: str) -> ProcurementRequest:
    """A supervisor's or an administrator's refusal, with the reason the requester reads."""
    request = _lock(request_id)
    _require_approver(request, by)
    if request.status not in AWAITING_APPROVAL:
        raise ProcurementError(
            _("%(ref)s is “%(status)s”: it is not waiting for an approval.")
            % {"ref": request.reference, "status": request.get_status_display()}
        )
    reason = _text(reason, required=_("Say why you reject it."), limit=REASON_MAX_LENGTH, field="reason")
    old, request.status, request.decision_reason = request.status, ProcurementStatus.REJECTED, reason
    request.save(update_fields=["status", "decision_reason"])
    _event(by=by, request=request, from_status=old, to_status=request.status, reason=reason)
    _decided(request, by=by, reason=reason)
    return request


@transaction.atomic
def procurement_order(
    *, request_id: int, by, supplier_id: int | None, order_reference: str, expected_on: date | None
) -> ProcurementRequest:
    """An approved request ordered from an active vendor, with the order's reference and
    the date it is expected; by the requester, a supervisor or an administrator."""
    request = _lock(request_id)
    _require_requester_or_approver(request, by)
    _require_move(
        request, ProcurementStatus.ORDERED, _("%(ref)s is “%(status)s”: only an approved request is ordered.")
    )
    supplier = Vendor.objects.filter(pk=supplier_id, is_active=True).first() if isinstance(supplier_id, int) else None
    if supplier is None:
        raise ProcurementError(_("Choose the supplier from the vendors."), field="supplier")
    order_reference = _text(
        order_reference,
        required=_("Enter the order's reference."),
        limit=SHORT_MAX_LENGTH,
        field="order_reference",
        multi=False,
    )
    if not isinstance(expected_on, date):
        raise ProcurementError(_("Enter the date the order is expected."), field="expected_on")
    old = request.status
    request.status, request.supplier, request.order_reference = ProcurementStatus.ORDERED, supplier, order_reference
    request.expected_on, request.ordered_at = expected_on, timezone.now()
    request.save(update_fields=["status", "supplier", "order_reference", "expected_on", "ordered_at"])
    _event(by=by, request=request, from_status=old, to_status=request.status, reason=order_reference)
    _decided(request, by=by)
    return request


def _receipt_clean(items: list[ProcurementItem], receipts: dict) -> dict[int, dict]:
    """Per item, the asset it becomes (tag, type, serial number), checked: an item that
    replaces an asset must become one; tags are new and different."""
    cleaned: dict[int, dict] = {}
    for item in items:
        given = receipts.get(item.pk) or receipts.get(str(item.pk)) or {}
        if not isinstance(given, dict):
            given = {}
        tag = single_line(str(given.get("tag") or ""))
        if not tag:
            if item.replaces_asset_id:
                raise ProcurementError(
                    _("“%(item)s” replaces %(asset)s: enter the new asset's tag.")
                    % {"item": item.description, "asset": item.replaces_asset},
                    field="receipt",
                )
            continue
        if len(tag) > TAG_MAX_LENGTH:
            raise ProcurementError(
                _("An asset tag is %(n)s characters at most.") % {"n": TAG_MAX_LENGTH}, field="receipt"
            )
        asset_type = given.get("asset_type")
        if asset_type not in AssetType.values:
            raise ProcurementError(_("Choose the type of the asset %(tag)s.") % {"tag": tag}, field="receipt")
        serial = single_line(str(given.get("serial_number") or ""))[:120]
        cleaned[item.pk] = {"tag": tag, "asset_type": asset_type, "serial_number": serial}
    tags = [entry["tag"].lower() for entry in cleaned.values()]
    if len(set(tags)) != len(tags):
        raise ProcurementError(_("Give each new asset its own tag."), field="receipt")
    taken = Asset.objects.annotate(folded=Lower("tag")).filter(folded__in=[tag.lower() for tag in tags]).first()
    if taken is not None:
        raise ProcurementError(_("The tag %(tag)s is already an asset's.") % {"tag": taken.tag}, field="receipt")
    return cleaned


@transaction.atomic
def procurement_receive(
    *, request_id: int, by, receipts: dict, resolve_tickets: bool = False, resolution: str = ""
) -> ProcurementRequest:
    """An ordered request received, once: each item given a tag becomes a new asset (its
    type and serial number as entered, in stock); one that replaces an asset takes the
    old one's user and location, and the old one is retired. With ``resolve_tickets``,
    the linked open tickets are resolved with ``resolution``; if one cannot be, nothing
    is received."""
    request = _lock(request_id)
    _require_requester_or_approver(request, by)
    if request.status == ProcurementStatus.RECEIVED:
        raise ProcurementError(_("%(ref)s was already received.") % {"ref": request.reference})
    _require_move(
        request, ProcurementStatus.RECEIVED, _("%(ref)s is “%(status)s”: only an ordered request is received.")
    )
    if not isinstance(receipts, dict):
        receipts = {}
    items = list(request.items.select_related("replaces_asset").order_by("pk"))
    cleaned = _receipt_clean(items, receipts)
    if resolve_tickets:
        resolution = _text(
            resolution,
            required=_("Write the resolution the requester will read."),
            limit=TEXT_MAX_LENGTH,
            field="resolution",
        )
    now = timezone.now()
    old_ids = [item.replaces_asset_id for item in items if item.pk in cleaned and item.replaces_asset_id]
    old_assets = {asset.pk: asset for asset in Asset.objects.select_for_update().filter(pk__in=old_ids)}
    new_assets: list[Asset] = []
    for item in items:
        entry = cleaned.get(item.pk)
        if entry is None:
            continue
        old_asset = old_assets.get(item.replaces_asset_id) if item.replaces_asset_id else None
        asset = Asset.objects.create(
            tag=entry["tag"],
            asset_type=entry["asset_type"],
            serial_number=entry["serial_number"],
            name=item.description[:200],
            vendor=request.supplier,
            purchase_date=timezone.localdate(now),
            purchase_cost=item.unit_cost,
            status=AssetStatus.IN_USE if old_asset else AssetStatus.IN_STOCK,
            user=old_asset.user if old_asset else None,
            location=old_asset.location if old_asset else "",
            created_at=now,
            updated_at=now,
        )
        new_assets.append(asset)
        item.received_asset = asset
        item.save(update_fields=["received_asset"])
        if old_asset is not None:
            old_asset.status, old_asset.user, old_asset.updated_at = AssetStatus.RETIRED, None, now
            old_asset.save(update_fields=["status", "user", "updated_at"])
    tickets = list(request.tickets.order_by("pk"))
    if new_assets:
        request.assets.add(*new_assets)
        TicketAsset.objects.bulk_create(
            [TicketAsset(ticket=ticket, asset=asset, added_by=by) for ticket in tickets for asset in new_assets],
            ignore_conflicts=True,
        )
    old = request.status
    request.status, request.received_at, request.received_by = ProcurementStatus.RECEIVED, now, by
    request.save(update_fields=["status", "received_at", "received_by"])
    _event(by=by, request=request, from_status=old, to_status=request.status)
    if resolve_tickets:
        for ticket in tickets:
            if ticket.status not in OPEN_STATUSES:
                continue
            try:
                ticket_resolve(ticket_id=ticket.pk, by=by, resolution=resolution)
            except TicketError as exc:
                raise ProcurementError(
                    _("%(ref)s could not be resolved: %(why)s") % {"ref": ticket.reference, "why": exc.message},
                    field="resolution",
                ) from exc
    _decided(request, by=by)
    return request


@transaction.atomic
def procurement_cancel(*, request_id: int, by, reason: str) -> ProcurementRequest:
    """A request not yet received called off, with the reason; by the requester, a
    supervisor or an administrator."""
    request = _lock(request_id)
    _require_requester_or_approver(request, by)
    _require_move(request, ProcurementStatus.CANCELLED, _("%(ref)s is “%(status)s”: it can no longer be cancelled."))
    reason = _text(reason, required=_("Say why you cancel it."), limit=REASON_MAX_LENGTH, field="reason")
    old, request.status, request.decision_reason = request.status, ProcurementStatus.CANCELLED, reason
    request.save(update_fields=["status", "decision_reason"])
    _event(by=by, request=request, from_status=old, to_status=request.status, reason=reason)
    _decided(request, by=by, reason=reason)
    return request
