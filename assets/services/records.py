"""Creating and changing assets: every rule of assets.rules, the tag unique whatever its
case, and a parent that is neither the asset itself nor one of its descendants."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import AssetError, NotAllowedError
from ..models import Asset
from ..rules import ip_clean, mac_clean, record_check, tag_clean
from ..selectors import can_see_assets

# The fields a person edits (the form, the import, the API), in the order the form shows them.
EDITABLE_FIELDS = (
    "tag",
    "asset_type",
    "name",
    "manufacturer",
    "model",
    "serial_number",
    "host_name",
    "ip_address",
    "mac_address",
    "location",
    "user",
    "status",
    "purchase_date",
    "purchase_cost",
    "warranty_ends_on",
    "vendor",
    "parent",
    "seats_owned",
    "seats_used",
    "licence_expires_on",
    "notes",
)
# Deep enough for any real hierarchy (a disk in a VM host in a rack); a longer chain is a loop.
MAX_DEPTH = 32


def _require_staff(by) -> None:
    if not can_see_assets(by):
        raise NotAllowedError(_("Only support staff can change assets."))


def tag_taken(tag: str, *, except_id: int | None = None) -> bool:
    others = Asset.objects.filter(tag__iexact=tag)
    if except_id is not None:
        others = others.exclude(pk=except_id)
    return others.exists()


def parent_check(*, asset_id: int | None, parent_id: int | None) -> None:
    """Refuse a parent that is the asset itself or below it (which would make a loop)."""
    if parent_id is None or asset_id is None:
        return
    if parent_id == asset_id:
        raise AssetError(_("An asset cannot be part of itself."), "parent")
    current: int | None = parent_id
    for _step in range(MAX_DEPTH):
        if current is None:
            return
        current = Asset.objects.filter(pk=current).values_list("parent_id", flat=True).first()
        if current is None:
            return
        if current == asset_id:
            raise AssetError(_("An asset cannot be part of one of its own parts."), "parent")
    raise AssetError(_("That parent's chain of parents is too deep."), "parent")


def _cleaned(values: dict, *, asset_id: int | None) -> dict:
    values = {key: values[key] for key in EDITABLE_FIELDS if key in values}
    values["tag"] = tag_clean(values.get("tag", ""))
    values["mac_address"] = mac_clean(values.get("mac_address", ""))
    values["ip_address"] = ip_clean(values.get("ip_address"))
    for key in ("name", "manufacturer", "model", "serial_number", "host_name", "location"):
        values[key] = " ".join(str(values.get(key) or "").split())
    values["notes"] = str(values.get("notes") or "").replace("\r\n", "\n").strip()
    record_check(values)
    if tag_taken(values["tag"], except_id=asset_id):
        raise AssetError(_("Another asset already has the tag %(tag)s.") % {"tag": values["tag"]}, "tag")
    parent = values.get("parent")
    parent_check(asset_id=asset_id, parent_id=parent.pk if parent is not None else None)
    return values


@transaction.atomic
def asset_create(*, by, values: dict) -> Asset:
    """Record a new asset; its tag is unique whatever its case."""
    _require_staff(by)
    values = _cleaned(values, asset_id=None)
    now = timezone.now()
    asset = Asset(**values, created_at=now, updated_at=now)
    try:
        with transaction.atomic():
            asset.save(force_insert=True)
    except IntegrityError:
        # Another request took the tag in between.
        raise AssetError(_("Another asset already has the tag %(tag)s.") % {"tag": values["tag"]}, "tag") from None
    return asset


@transaction.atomic
def asset_update(*, asset_id: int, by, values: dict) -> Asset:
    """Change an asset's fields (retiring it is setting its status); the same rules as a new one."""
    _require_staff(by)
    asset = Asset.objects.select_for_update().filter(pk=asset_id).first()
    if asset is None:
        raise AssetError(_("That asset does not exist."))
    merged = {key: getattr(asset, key) for key in EDITABLE_FIELDS}
    merged.update(values)
    merged = _cleaned(merged, asset_id=asset.pk)
    for key, value in merged.items():
        setattr(asset, key, value)
    asset.updated_at = timezone.now()
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError:
        raise AssetError(_("Another asset already has the tag %(tag)s.") % {"tag": merged["tag"]}, "tag") from None
    return asset
