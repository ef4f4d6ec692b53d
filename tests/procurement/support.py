"""What the procurement tests start from: people, an asset, a vendor, an open ticket."""

from decimal import Decimal

from assets.models import Asset
from procurement import services
from tests.api.permission_matrix import make_admin
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets.choices import Status
from vendors.models import Vendor


class World:
    def __init__(self) -> None:
        self.requester = make_requester(username="rina", first_name="Rina")
        self.agent = make_agent(1, username="andi", first_name="Andi", phone="+6281200000001")
        self.agent_l2 = make_agent(2, username="budi", first_name="Budi")
        self.supervisor = make_supervisor(username="dewi", first_name="Dewi", phone="+6281200000009")
        self.supervisor_2 = make_supervisor(username="eko", first_name="Eko")
        self.admin = make_admin()
        self.ticket = TicketFactory(requester=self.requester, status=Status.OPEN, level=1)
        self.asset = Asset.objects.create(
            tag="LT-0042", asset_type="laptop", name="ThinkPad", user=self.requester, location="Floor 3"
        )
        self.vendor = Vendor.objects.create(name="PT Sumber Komputer")

    def report(self, *, recommendation="replace", cost="4500000", by=None):
        return services.component_report_file(
            ticket_id=self.ticket.pk,
            by=by or self.agent,
            asset_tag="lt-0042",
            fault="Motherboard dead & <screen> flickers 🔥",
            recommendation=recommendation,
            estimated_cost=cost,
        )

    def request(self, *, by=None, unit_cost="1000000", quantity=1, submit=True, replaces=""):
        return services.procurement_create(
            by=by or self.agent,
            items=[
                {
                    "description": "Laptop 14 inch",
                    "quantity": quantity,
                    "unit_cost": unit_cost,
                    "replaces_asset_tag": replaces,
                }
            ],
            reason="Old one is broken",
            budget_line="IT-2026-HW",
            ticket_references=[self.ticket.reference],
            submit=submit,
        )


def money(value: str) -> Decimal:
    return Decimal(value)


def procurement_ids(ticket) -> dict:
    """What the page permission matrix acts on (tests/test_url_permissions.py): a report
    waiting for a decision on ``ticket``, and procurement requests by another agent as a
    draft, submitted, approved and ordered; their ids as the matrix's paths name them."""
    from datetime import date as day

    requester = make_agent(3, username="procurement-requester")
    approver = make_supervisor(username="procurement-approver")
    asset = Asset.objects.create(tag="PL-0001", asset_type="printer", name="Printer", location="Floor 2")
    vendor = Vendor.objects.create(name="PT Printer Jaya")
    report = services.component_report_file(
        ticket_id=ticket.pk,
        by=requester,
        asset_tag=asset.tag,
        fault="Jams",
        recommendation="repair",
        estimated_cost="150000",
    )

    def made(state: str):
        made = services.procurement_create(
            by=requester,
            items=[{"description": "Toner", "quantity": 2, "unit_cost": "350000"}],
            reason="Empty",
            ticket_references=[ticket.reference],
            submit=state != "draft",
        )
        if state in ("approved", "ordered"):
            services.procurement_approve(request_id=made.pk, by=approver)
        if state == "ordered":
            services.procurement_order(
                request_id=made.pk,
                by=requester,
                supplier_id=vendor.pk,
                order_reference="PO-1",
                expected_on=day(2026, 12, 12),
            )
        return made.reference

    return {
        "report": report.pk,
        "vendor": vendor.pk,
        "pr": made("submitted"),
        "pr_draft": made("draft"),
        "pr_approved": made("approved"),
        "pr_ordered": made("ordered"),
    }
