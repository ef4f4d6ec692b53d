"""Demo vendors: a server maintainer with its support contact and a contract in force
(business hours), so a Level III ticket can be taken to a vendor on a new helpdesk."""

from datetime import date

from django.db import transaction

from sla.models import Calendar
from vendors.models import Vendor, VendorContact, VendorContract

DEMO_VENDORS = [
    {
        "name": "PT Nusantara Server Solusi",
        "website": "https://nusantara-server.example",
        "email": "support@nusantara-server.example",
        "phone": "+62 21 5550 1000",
        "notes": "Maintains the data-centre servers and the storage array (AMC).",
        "contact": ("Agus Wibowo", "Support engineer", "agus@nusantara-server.example", "+62 812 5550 1001"),
        "contract": ("AMC-2026-017", "Servers and storage, parts and labour", 120, 8 * 60, True),
    },
    {
        "name": "CV Jaringan Andalan",
        "website": "",
        "email": "noc@jaringan-andalan.example",
        "phone": "+62 21 5550 2000",
        "notes": "Office network and Wi-Fi (24×7 NOC).",
        "contact": ("Sari Puspita", "NOC lead", "sari@jaringan-andalan.example", ""),
        "contract": ("NET-24x7-2026", "Network, around the clock", 30, 4 * 60, False),
    },
]


@transaction.atomic
def demo_vendors_ensure() -> int:
    """Add the demo vendors that are not there yet; how many were added."""
    added = 0
    office = Calendar.objects.filter(always_open=False).order_by("pk").first()
    for spec in DEMO_VENDORS:
        if Vendor.objects.filter(name__iexact=spec["name"]).exists():
            continue
        vendor = Vendor.objects.create(
            name=spec["name"], website=spec["website"], email=spec["email"], phone=spec["phone"], notes=spec["notes"]
        )
        name, role, email, phone = spec["contact"]
        VendorContact.objects.create(vendor=vendor, name=name, role=role, email=email, phone=phone, is_primary=True)
        reference, description, response, resolution, business_hours = spec["contract"]
        VendorContract.objects.create(
            vendor=vendor,
            reference=reference,
            description=description,
            starts_on=date(2026, 1, 1),
            ends_on=date(2027, 12, 31),
            response_minutes=response,
            resolution_minutes=resolution,
            business_hours_only=business_hours,
            calendar=office if business_hours else None,
        )
        added += 1
    return added
