from assets.models import Asset
from vendors.models import Vendor


def make_asset(tag: str = "LAP-0001", **values) -> Asset:
    values.setdefault("asset_type", "laptop")
    values.setdefault("name", f"Laptop {tag}")
    return Asset.objects.create(tag=tag, **values)


def make_vendor(name: str = "PT Sinar Komputer") -> Vendor:
    return Vendor.objects.create(name=name)


HEADER = (
    "Tag,Type,Name,Manufacturer,Model,Serial number,Host name,IP address,MAC address,Location,Used by,Status,"
    "Purchase date,Purchase cost,Warranty ends on,Vendor,Part of,Seats owned,Seats used,Licence expires on,Notes"
)
