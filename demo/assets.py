"""A small IT inventory for the demo: laptops of the demo requesters, a server with a VM
and a disk, a printer, an access point, switch and firewall, an office licence whose
seats are nearly used and which expires in 20 days, and a warranty ending soon."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from assets.models import Asset, TicketAsset
from tickets.models import Ticket
from vendors.models import Vendor

# tag, type, name, manufacturer, model, user, location, host name, IP, MAC, parent tag,
# warranty in days from today (None: none), purchase cost
DEMO_ASSETS = [
    (
        "LAP-0001",
        "laptop",
        "ThinkPad T14 — Rina",
        "Lenovo",
        "T14 Gen 4",
        "requester",
        "Lantai 3, Keuangan",
        "lap-rina",
        "10.10.3.21",
        "8c:16:45:a1:00:01",
        "",
        400,
        "18500000",
    ),
    (
        "LAP-0002",
        "laptop",
        "ThinkPad T14 — Siti",
        "Lenovo",
        "T14 Gen 4",
        "siti",
        "Lantai 3, Keuangan",
        "lap-siti",
        "10.10.3.22",
        "8c:16:45:a1:00:02",
        "",
        12,
        "18500000",
    ),
    (
        "LAP-0003",
        "laptop",
        "Latitude 5440 — Joko",
        "Dell",
        "Latitude 5440",
        "joko",
        "Lantai 2, Gudang",
        "lap-joko",
        "10.10.2.31",
        "b0:7b:25:00:00:03",
        "",
        200,
        "17250000",
    ),
    (
        "LAP-0004",
        "laptop",
        "MacBook Air — Maya",
        "Apple",
        "MacBook Air M2",
        "maya",
        "Lantai 4, Pemasaran",
        "lap-maya",
        "10.10.4.12",
        "",
        "",
        90,
        "21000000",
    ),
    (
        "PC-0001",
        "pc",
        "Front desk PC",
        "HP",
        "ProDesk 400 G9",
        "hendra",
        "Lobi",
        "pc-lobi",
        "10.10.1.10",
        "3c:52:82:00:00:10",
        "",
        500,
        "9800000",
    ),
    (
        "SRV-0001",
        "server",
        "Virtualisation host 1",
        "Dell",
        "PowerEdge R750",
        "",
        "Ruang server, rak A2",
        "esx01",
        "10.10.0.11",
        "f4:02:70:00:00:11",
        "",
        700,
        "185000000",
    ),
    (
        "VM-0001",
        "vm",
        "Mail server (VM)",
        "",
        "",
        "",
        "Ruang server, rak A2",
        "mail01",
        "10.10.0.25",
        "00:50:56:00:00:25",
        "SRV-0001",
        None,
        None,
    ),
    (
        "DSK-0001",
        "disk",
        "RAID 10 array, 4 × 1.92 TB SSD",
        "Samsung",
        "PM893",
        "",
        "Ruang server, rak A2",
        "",
        None,
        "",
        "SRV-0001",
        700,
        "24000000",
    ),
    (
        "PRN-0001",
        "printer",
        "Printer lantai 3",
        "Brother",
        "HL-L6400DW",
        "",
        "Lantai 3, dekat lift",
        "prn-lt3",
        "10.10.3.250",
        "00:80:77:00:03:50",
        "",
        25,
        "11500000",
    ),
    (
        "AP-0001",
        "access_point",
        "Wi-Fi lobby",
        "Ubiquiti",
        "U6 Pro",
        "",
        "Lobi",
        "ap-lobi",
        "10.10.1.2",
        "74:ac:b9:00:01:02",
        "",
        300,
        "2900000",
    ),
    (
        "SW-0001",
        "switch",
        "Core switch",
        "Cisco",
        "Catalyst 9200",
        "",
        "Ruang server, rak A1",
        "sw-core",
        "10.10.0.2",
        "00:1b:54:00:00:02",
        "",
        600,
        "42000000",
    ),
    (
        "FW-0001",
        "firewall",
        "Firewall",
        "Fortinet",
        "FortiGate 60F",
        "",
        "Ruang server, rak A1",
        "fw01",
        "10.10.0.1",
        "00:09:0f:00:00:01",
        "",
        45,
        "16000000",
    ),
]
LICENCE = ("LIC-0001", "Microsoft 365 Business Standard", 50, 47, 20)  # tag, name, seats, used, expires in days
VENDOR = "PT Sinar Komputer"


def demo_assets_ensure() -> int:
    """Add the demo inventory when there are no assets yet; returns how many were added."""
    if Asset.objects.exists():
        return 0
    people = {user.username: user for user in get_user_model().objects.all()}
    vendor = Vendor.objects.filter(name__iexact=VENDOR).first() or Vendor.objects.create(
        name=VENDOR, email="support@sinarkomputer.example", phone="+62215550100"
    )
    today = timezone.localdate()
    now = timezone.now()
    created: dict[str, Asset] = {}
    for tag, kind, name, maker, model, user, location, host, ip, mac, parent, warranty, cost in DEMO_ASSETS:
        created[tag] = Asset.objects.create(
            tag=tag,
            asset_type=kind,
            name=name,
            manufacturer=maker,
            model=model,
            serial_number=f"SN-{tag}",
            user=people.get(user),
            location=location,
            host_name=host,
            ip_address=ip,
            mac_address=mac,
            parent=created.get(parent),
            vendor=vendor if kind != "vm" else None,
            purchase_date=today - datetime.timedelta(days=400) if cost else None,
            purchase_cost=Decimal(cost) if cost else None,
            warranty_ends_on=today + datetime.timedelta(days=warranty) if warranty is not None else None,
            created_at=now,
            updated_at=now,
        )
    tag, name, seats, used, expires = LICENCE
    Asset.objects.create(
        tag=tag,
        asset_type="licence",
        name=name,
        manufacturer="Microsoft",
        vendor=vendor,
        seats_owned=seats,
        seats_used=used,
        licence_expires_on=today + datetime.timedelta(days=expires),
        purchase_date=today - datetime.timedelta(days=345),
        created_at=now,
        updated_at=now,
    )
    # Rina's newest ticket is about her laptop, so the ticket page shows a device.
    ticket = Ticket.objects.filter(requester=people.get("requester")).order_by("-created_at").first()
    if ticket is not None:
        TicketAsset.objects.create(ticket=ticket, asset=created["LAP-0001"])
    return len(DEMO_ASSETS) + 1
