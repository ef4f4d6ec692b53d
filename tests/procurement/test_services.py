from datetime import date
from decimal import Decimal

import pytest

from assets.choices import AssetStatus
from assets.models import Asset, TicketAsset
from notifications.choices import NotificationChannel, NotificationKind
from notifications.models import Notification, NotificationPreference
from procurement import services
from procurement.choices import ProcurementStatus, ReportStatus
from procurement.exceptions import ProcurementError, ProcurementForbidden
from procurement.models import ComponentReport, ProcurementEvent, ProcurementItem, ProcurementRequest
from tickets.choices import Status
from tickets.models import Ticket

from .support import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.HELPDESK_PROCUREMENT_SECOND_APPROVAL_AMOUNT = Decimal("10000000")
    return World()


def _state():
    return (
        ComponentReport.objects.count(),
        ProcurementRequest.objects.count(),
        ProcurementItem.objects.count(),
        ProcurementEvent.objects.count(),
        Notification.objects.count(),
        list(Asset.objects.order_by("pk").values_list("tag", "status", "user_id")),
    )


def _kinds(kind):
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", "channel"))


# --- component reports


def test_an_agent_files_a_report_the_supervisors_are_asked_and_the_asset_is_linked(world):
    report = world.report()
    assert (report.status, report.estimated_cost, report.currency) == (ReportStatus.PENDING, Decimal("4500000"), "IDR")
    assert report.asset == world.asset
    assert TicketAsset.objects.filter(ticket=world.ticket, asset=world.asset).exists()
    assert ("dewi", "email") in _kinds(NotificationKind.COMPONENT_REPORT)
    assert ProcurementEvent.objects.get(report=report).to_status == ReportStatus.PENDING


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"asset_tag": "NOPE-1"}, "No asset has the tag “NOPE-1”."),
        ({"asset_tag": ""}, "Enter the asset's tag."),
        ({"estimated_cost": "-1"}, "A cost cannot be negative."),
        ({"estimated_cost": "abc"}, "Enter an amount"),
        ({"estimated_cost": "NaN"}, "Enter an amount"),
        ({"estimated_cost": "1.001"}, "two decimals"),
        ({"estimated_cost": "1e20"}, "too large"),
        ({"recommendation": "burn"}, "Choose repair or replace."),
        ({"fault": " \r\n "}, "Describe the fault."),
        ({"fault": "é" * 5000}, "Keep it under"),
    ],
)
def test_a_report_with_bad_input_is_refused_and_nothing_is_saved(world, changes, message):
    before = _state()
    values = {
        "ticket_id": world.ticket.pk,
        "by": world.agent,
        "asset_tag": "LT-0042",
        "fault": "Dead",
        "recommendation": "repair",
        "estimated_cost": "10",
    }
    with pytest.raises(ProcurementError) as refused:
        services.component_report_file(**{**values, **changes})
    assert message in refused.value.message
    assert _state() == before


def test_a_requester_or_an_agent_below_the_ticket_s_level_cannot_file_a_report(world):
    Ticket.objects.filter(pk=world.ticket.pk).update(level=2)
    for person in (world.requester, world.agent):
        with pytest.raises(ProcurementForbidden):
            world.report(by=person)
    assert ComponentReport.objects.count() == 0


def test_repair_approved_puts_the_asset_in_repair(world):
    report = world.report(recommendation="repair")
    services.component_report_decide(report_id=report.pk, by=world.supervisor, decision="repair")
    world.asset.refresh_from_db()
    report.refresh_from_db()
    assert (report.status, report.decided_by, world.asset.status) == (
        ReportStatus.REPAIR_APPROVED,
        world.supervisor,
        AssetStatus.IN_REPAIR,
    )
    assert ("andi", "email") in _kinds(NotificationKind.COMPONENT_REPORT_DECIDED)


def test_replacement_approved_opens_a_procurement_request_filled_in_from_the_report(world):
    report = world.report()
    report = services.component_report_decide(report_id=report.pk, by=world.supervisor, decision="replace")
    procurement = report.procurement
    assert procurement.status == ProcurementStatus.SUBMITTED
    assert procurement.requested_by == world.agent
    assert procurement.total == Decimal("4500000.00")
    [item] = procurement.items.all()
    assert (item.quantity, item.unit_cost, item.replaces_asset) == (1, Decimal("4500000.00"), world.asset)
    assert list(procurement.tickets.all()) == [world.ticket]
    assert list(procurement.assets.all()) == [world.asset]
    # The supervisors other than the requester are asked to approve it.
    assert ("dewi", "email") in _kinds(NotificationKind.PROCUREMENT_APPROVAL)


def test_rejecting_a_report_needs_a_reason_and_nobody_decides_twice_or_on_their_own(world):
    report = world.report()
    with pytest.raises(ProcurementError, match="Say why"):
        services.component_report_decide(report_id=report.pk, by=world.supervisor, decision="reject", reason=" ")
    with pytest.raises(ProcurementForbidden):
        services.component_report_decide(report_id=report.pk, by=world.agent_l2, decision="repair")
    services.component_report_decide(report_id=report.pk, by=world.supervisor, decision="reject", reason="Fixable")
    with pytest.raises(ProcurementError, match="already decided"):
        services.component_report_decide(report_id=report.pk, by=world.supervisor_2, decision="repair")
    own = world.report(by=world.supervisor)
    with pytest.raises(ProcurementForbidden, match="someone else"):
        services.component_report_decide(report_id=own.pk, by=world.supervisor, decision="repair")


# --- procurement requests


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"quantity": 0}, "at least 1"),
        ({"quantity": -3}, "at least 1"),
        ({"quantity": "2.5"}, "whole number"),
        ({"quantity": True}, "whole number"),
        ({"unit_cost": "-0.01"}, "cannot be negative"),
        ({"description": ""}, "Describe each item."),
        ({"replaces_asset_tag": "GHOST"}, "No asset has the tag “GHOST”."),
    ],
)
def test_a_request_with_a_bad_item_is_refused_and_nothing_is_saved(world, item, message):
    before = _state()
    with pytest.raises(ProcurementError) as refused:
        services.procurement_create(
            by=world.agent,
            items=[{"description": "Laptop", "quantity": 1, "unit_cost": "10", **item}],
            reason="Needed",
        )
    assert message in refused.value.message
    assert _state() == before


def test_a_request_needs_items_a_reason_and_known_tickets(world):
    for kwargs, message in (
        ({"items": []}, "at least one item"),
        ({"reason": ""}, "Say why"),
        ({"ticket_references": ["HD-999999"]}, "No ticket HD-999999"),
        ({"ticket_references": ["<script>"]}, "not a ticket reference"),
    ):
        values = {"by": world.agent, "items": [{"description": "x", "quantity": 1, "unit_cost": 1}], "reason": "r"}
        with pytest.raises(ProcurementError, match=message):
            services.procurement_create(**{**values, **kwargs})
    with pytest.raises(ProcurementForbidden):
        services.procurement_create(
            by=world.requester, items=[{"description": "x", "quantity": 1, "unit_cost": 1}], reason="r"
        )
    assert ProcurementRequest.objects.count() == 0


def test_the_total_is_the_sum_of_the_items(world):
    procurement = services.procurement_create(
        by=world.agent,
        items=[
            {"description": "Keyboard", "quantity": 3, "unit_cost": "150000.50"},
            {"description": "Mouse", "quantity": "2", "unit_cost": 75000},
        ],
        reason="Desks",
    )
    assert procurement.total == Decimal("600001.50")


def test_a_draft_is_submitted_then_approved_by_a_supervisor_and_the_requester_hears_of_it(world):
    procurement = world.request(submit=False)
    assert procurement.status == ProcurementStatus.DRAFT
    assert not _kinds(NotificationKind.PROCUREMENT_APPROVAL)
    services.procurement_submit(request_id=procurement.pk, by=world.agent)
    assert ("dewi", "email") in _kinds(NotificationKind.PROCUREMENT_APPROVAL)
    approved = services.procurement_approve(request_id=procurement.pk, by=world.supervisor, reason="OK")
    assert (approved.status, approved.first_approved_by) == (ProcurementStatus.APPROVED, world.supervisor)
    assert ("andi", "email") in _kinds(NotificationKind.PROCUREMENT_DECIDED)
    events = list(ProcurementEvent.objects.filter(request=procurement).values_list("from_status", "to_status", "actor"))
    assert events == [
        ("", "draft", world.agent.pk),
        ("draft", "submitted", world.agent.pk),
        ("submitted", "approved", world.supervisor.pk),
    ]


def test_an_agent_never_approves_and_a_requester_never_approves_their_own(world):
    procurement = world.request(by=world.supervisor)
    before = _state()
    with pytest.raises(ProcurementForbidden, match="Only a supervisor"):
        services.procurement_approve(request_id=procurement.pk, by=world.agent)
    with pytest.raises(ProcurementForbidden, match="someone else must approve"):
        services.procurement_approve(request_id=procurement.pk, by=world.supervisor)
    with pytest.raises(ProcurementForbidden):
        services.procurement_reject(request_id=procurement.pk, by=world.agent, reason="no")
    assert _state() == before
    assert ProcurementRequest.objects.get(pk=procurement.pk).status == ProcurementStatus.SUBMITTED


def test_above_the_amount_a_second_different_approver_is_needed(world):
    procurement = world.request(unit_cost="6000000", quantity=2)
    first = services.procurement_approve(request_id=procurement.pk, by=world.supervisor)
    assert first.status == ProcurementStatus.FIRST_APPROVED
    # The second approvers are asked (never the first one, never the requester).
    asked = {name for name, _channel in _kinds(NotificationKind.PROCUREMENT_APPROVAL)}
    assert "eko" in asked and "andi" not in asked
    with pytest.raises(ProcurementForbidden, match="someone else"):
        services.procurement_approve(request_id=procurement.pk, by=world.supervisor)
    second = services.procurement_approve(request_id=procurement.pk, by=world.admin)
    assert (second.status, second.second_approved_by) == (ProcurementStatus.APPROVED, world.admin)


def test_at_the_amount_one_approval_is_enough(world):
    procurement = world.request(unit_cost="10000000")
    assert services.procurement_approve(request_id=procurement.pk, by=world.supervisor).status == "approved"


def test_rejection_needs_a_reason_and_ends_the_request(world):
    procurement = world.request()
    with pytest.raises(ProcurementError, match="Say why"):
        services.procurement_reject(request_id=procurement.pk, by=world.supervisor, reason="")
    rejected = services.procurement_reject(request_id=procurement.pk, by=world.supervisor, reason="Too dear & <no>")
    assert (rejected.status, rejected.decision_reason) == (ProcurementStatus.REJECTED, "Too dear & <no>")
    with pytest.raises(ProcurementError, match="not waiting"):
        services.procurement_approve(request_id=procurement.pk, by=world.supervisor_2)
    with pytest.raises(ProcurementError, match="no longer be cancelled"):
        services.procurement_cancel(request_id=procurement.pk, by=world.agent, reason="x")


def test_an_approved_request_is_ordered_from_an_active_vendor(world):
    procurement = world.request()
    with pytest.raises(ProcurementError, match="only an approved"):
        services.procurement_order(
            request_id=procurement.pk,
            by=world.agent,
            supplier_id=world.vendor.pk,
            order_reference="PO-1",
            expected_on=date(2026, 12, 12),
        )
    services.procurement_approve(request_id=procurement.pk, by=world.supervisor)
    for kwargs, message in (
        ({"supplier_id": 999999}, "supplier"),
        ({"supplier_id": "1"}, "supplier"),
        ({"order_reference": " "}, "reference"),
        ({"expected_on": "tomorrow"}, "date"),
    ):
        values = {"supplier_id": world.vendor.pk, "order_reference": "PO-1", "expected_on": date(2026, 12, 12)}
        with pytest.raises(ProcurementError, match=message):
            services.procurement_order(request_id=procurement.pk, by=world.agent, **{**values, **kwargs})
    with pytest.raises(ProcurementForbidden):
        services.procurement_order(
            request_id=procurement.pk,
            by=world.agent_l2,
            supplier_id=world.vendor.pk,
            order_reference="PO-1",
            expected_on=date(2026, 12, 12),
        )
    ordered = services.procurement_order(
        request_id=procurement.pk,
        by=world.agent,
        supplier_id=world.vendor.pk,
        order_reference="PO-1",
        expected_on=date(2026, 12, 12),
    )
    assert (ordered.status, ordered.supplier, ordered.expected_on) == ("ordered", world.vendor, date(2026, 12, 12))


def _to_ordered(world, procurement):
    services.procurement_approve(request_id=procurement.pk, by=world.supervisor)
    services.procurement_order(
        request_id=procurement.pk,
        by=world.agent,
        supplier_id=world.vendor.pk,
        order_reference="PO-7",
        expected_on=date(2026, 12, 12),
    )


def test_receiving_a_replacement_retires_the_old_asset_and_the_new_one_takes_its_user_and_place(world):
    report = services.component_report_decide(report_id=world.report().pk, by=world.supervisor, decision="replace")
    procurement = report.procurement
    _to_ordered(world, procurement)
    [item] = procurement.items.all()
    received = services.procurement_receive(
        request_id=procurement.pk,
        by=world.agent,
        receipts={item.pk: {"tag": "LT-0100", "asset_type": "laptop", "serial_number": "SN-9"}},
        resolve_tickets=True,
        resolution="Replaced the laptop.",
    )
    assert received.status == ProcurementStatus.RECEIVED
    old, new = Asset.objects.get(tag="LT-0042"), Asset.objects.get(tag="LT-0100")
    assert (old.status, old.user) == (AssetStatus.RETIRED, None)
    assert (new.status, new.user, new.location, new.serial_number, new.vendor) == (
        AssetStatus.IN_USE,
        world.requester,
        "Floor 3",
        "SN-9",
        world.vendor,
    )
    assert ProcurementItem.objects.get(pk=item.pk).received_asset == new
    assert TicketAsset.objects.filter(ticket=world.ticket, asset=new).exists()
    assert Ticket.objects.get(pk=world.ticket.pk).status == Status.RESOLVED
    # Receiving twice is refused and changes nothing.
    before = _state()
    with pytest.raises(ProcurementError, match="already received"):
        services.procurement_receive(
            request_id=procurement.pk, by=world.agent, receipts={item.pk: {"tag": "LT-0101", "asset_type": "laptop"}}
        )
    assert _state() == before


def test_a_receipt_with_a_missing_or_taken_tag_is_refused_and_nothing_is_saved(world):
    procurement = world.request(replaces="LT-0042")
    _to_ordered(world, procurement)
    [item] = procurement.items.all()
    before = _state()
    for receipt, message in (
        ({}, "enter the new asset's tag"),
        ({"tag": "lt-0042", "asset_type": "laptop"}, "already an asset's"),
        ({"tag": "LT-1", "asset_type": "toaster"}, "Choose the type"),
        ({"tag": "x" * 65, "asset_type": "laptop"}, "characters at most"),
    ):
        with pytest.raises(ProcurementError, match=message):
            services.procurement_receive(request_id=procurement.pk, by=world.agent, receipts={item.pk: receipt})
    with pytest.raises(ProcurementError, match="resolution"):
        services.procurement_receive(
            request_id=procurement.pk,
            by=world.agent,
            receipts={item.pk: {"tag": "LT-2", "asset_type": "laptop"}},
            resolve_tickets=True,
        )
    assert _state() == before
    assert ProcurementRequest.objects.get(pk=procurement.pk).status == ProcurementStatus.ORDERED


def test_an_item_replacing_nothing_becomes_an_asset_in_stock_or_nothing(world):
    procurement = world.request()
    _to_ordered(world, procurement)
    [item] = procurement.items.all()
    services.procurement_receive(
        request_id=procurement.pk, by=world.supervisor, receipts={item.pk: {"tag": "LT-9", "asset_type": "laptop"}}
    )
    assert Asset.objects.get(tag="LT-9").status == AssetStatus.IN_STOCK


def test_cancelling_needs_a_reason_and_the_requester_or_an_approver(world):
    procurement = world.request()
    with pytest.raises(ProcurementForbidden):
        services.procurement_cancel(request_id=procurement.pk, by=world.agent_l2, reason="no")
    with pytest.raises(ProcurementError, match="Say why"):
        services.procurement_cancel(request_id=procurement.pk, by=world.agent, reason="")
    assert (
        services.procurement_cancel(request_id=procurement.pk, by=world.agent, reason="Found one").status == "cancelled"
    )


def test_approvers_who_chose_sms_get_the_approval_by_sms_whatever_the_priority(world):
    NotificationPreference.objects.create(
        user=world.supervisor, sms_kinds=[NotificationKind.PROCUREMENT_APPROVAL], sms_max_priority=1
    )
    world.request()
    rows = Notification.objects.filter(kind=NotificationKind.PROCUREMENT_APPROVAL, recipient=world.supervisor)
    assert set(rows.values_list("channel", flat=True)) == {NotificationChannel.EMAIL, NotificationChannel.SMS}
    # Eko never chose SMS for it: email only.
    assert set(
        Notification.objects.filter(
            kind=NotificationKind.PROCUREMENT_APPROVAL, recipient=world.supervisor_2
        ).values_list("channel", flat=True)
    ) <= {NotificationChannel.EMAIL}


def test_events_are_written_once(world):
    procurement = world.request()
    event = ProcurementEvent.objects.get(request=procurement)
    event.reason = "changed"
    with pytest.raises(ValueError):
        event.save()
