"""Vendors, contracts and Level III tickets for the vendor tests."""

from datetime import date, timedelta

from django.utils import timezone

from tests.factories import TicketFactory, make_agent
from tickets.choices import Status
from vendors.models import Vendor, VendorContact, VendorContract


def vendor_with_contract(
    name: str = "Acme Servers",
    *,
    response_minutes: int = 60,
    resolution_minutes: int = 480,
    business_hours_only: bool = False,
    starts_on: date | None = None,
    ends_on: date | None = None,
    calendar=None,
) -> tuple[Vendor, VendorContact, VendorContract]:
    vendor = Vendor.objects.create(name=name, email=f"support@{name.split()[0].lower()}.example")
    contact = VendorContact.objects.create(
        vendor=vendor, name="Budi Hartono", email=f"budi@{name.split()[0].lower()}.example", is_primary=True
    )
    contract = VendorContract.objects.create(
        vendor=vendor,
        reference=f"{name[:3].upper()}-2026",
        starts_on=starts_on or timezone.localdate() - timedelta(days=30),
        ends_on=ends_on,
        response_minutes=response_minutes,
        resolution_minutes=resolution_minutes,
        business_hours_only=business_hours_only,
        calendar=calendar,
    )
    return vendor, contact, contract


def level_three_ticket(**fields):
    fields.setdefault("level", 3)
    fields.setdefault("status", Status.OPEN)
    fields.setdefault("assignee", make_agent(3))
    return TicketFactory(**fields)
