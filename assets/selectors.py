"""Reads of the assets app: the list with its filters, one asset and its history, the
devices on a ticket and those of a person."""

import ipaddress

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from accounts.selectors import agent_can_act_at, agent_levels
from tickets.models import Ticket

from .choices import ASSET_CLASS_OF, TAG_MAX_LENGTH, AssetStatus, ImportStatus
from .exceptions import AssetError
from .models import Asset, AssetImport, AssetImportRow, TicketAsset
from .rules import mac_clean

# The list's sort keys and the columns each orders by (a minus: newest or largest first).
ASSET_SORTS = {
    "tag": ("tag", "id"),
    "-tag": ("-tag", "-id"),
    "name": ("name", "id"),
    "type": ("asset_type", "tag", "id"),
    "status": ("status", "tag", "id"),
    "user": ("user__first_name", "user__username", "tag", "id"),
    "location": ("location", "tag", "id"),
    "warranty": ("warranty_ends_on", "tag", "id"),
    "-updated": ("-updated_at", "-id"),
}
DEFAULT_SORT = "tag"


def can_see_assets(user) -> bool:
    """Support staff (agents, supervisors, administrators) see and edit every asset."""
    return bool(agent_levels(user))


def asset_list(*, filters: dict | None = None, sort: str = DEFAULT_SORT) -> QuerySet[Asset]:
    """Assets matching the list's filters (type, class, status, used by, location, vendor
    and a text over tag, name, serial, host name, IP and MAC), with the people, vendor and
    parent each row shows, in one query."""
    filters = filters or {}
    assets = Asset.objects.select_related("user", "vendor", "parent")
    if filters.get("asset_type"):
        assets = assets.filter(asset_type=filters["asset_type"])
    if filters.get("asset_class"):
        types = [kind for kind, klass in ASSET_CLASS_OF.items() if klass == filters["asset_class"]]
        assets = assets.filter(asset_type__in=types)
    if filters.get("status"):
        assets = assets.filter(status=filters["status"])
    if filters.get("user"):
        assets = assets.filter(user=filters["user"])
    if filters.get("used_by"):
        who = filters["used_by"].strip()
        assets = assets.filter(
            Q(user__username__icontains=who)
            | Q(user__email__icontains=who)
            | Q(user__first_name__icontains=who)
            | Q(user__last_name__icontains=who)
        )
    if filters.get("location"):
        assets = assets.filter(location__icontains=filters["location"])
    if filters.get("vendor"):
        assets = assets.filter(vendor=filters["vendor"])
    text = (filters.get("q") or "").strip()
    if text:
        match = (
            Q(tag__icontains=text)
            | Q(name__icontains=text)
            | Q(serial_number__icontains=text)
            | Q(host_name__icontains=text)
            | Q(mac_address__icontains=text.lower())
        )
        try:
            match |= Q(mac_address=mac_clean(text))
        except AssetError:
            pass
        if _looks_like_address(text):
            match |= Q(ip_address=text)
        assets = assets.filter(match)
    return assets.order_by(*ASSET_SORTS.get(sort, ASSET_SORTS[DEFAULT_SORT]))


def _looks_like_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def tag_key(tag) -> str | None:
    """The tag as looked up, or None for text no tag can be (too long, a NUL character)."""
    tag = str(tag or "").strip()
    if not tag or len(tag) > TAG_MAX_LENGTH or "\x00" in tag:
        return None
    return tag


def asset_get(*, tag: str) -> Asset:
    """The asset with this tag, whatever its case; 404 when there is none."""
    key = tag_key(tag)
    asset = None
    if key is not None:
        asset = Asset.objects.select_related("user", "vendor", "parent").filter(tag__iexact=key).first()
    if asset is None:
        raise Http404
    return asset


def asset_by_tag(tag: str) -> Asset | None:
    key = tag_key(tag)
    return None if key is None else Asset.objects.filter(tag__iexact=key).first()


def asset_children(*, asset: Asset) -> QuerySet[Asset]:
    return asset.children.select_related("user").order_by("tag", "id")


def asset_ticket_history(*, asset: Asset) -> QuerySet[Ticket]:
    """Every ticket about this asset (maintenance ones too: they are linked the same way), newest first."""
    return (
        Ticket.objects.filter(asset_links__asset=asset)
        .select_related("requester", "assignee")
        .order_by("-created_at", "-id")
    )


def ticket_assets(*, ticket: Ticket) -> list[TicketAsset]:
    """The devices a ticket is about, oldest link first."""
    return list(TicketAsset.objects.filter(ticket=ticket).select_related("asset").order_by("added_at", "id"))


def ticket_assets_editable(*, ticket: Ticket, user) -> bool:
    """Whether this person may add devices to, or remove them from, the ticket: staff at its level or above."""
    return bool(agent_levels(user)) and agent_can_act_at(user, ticket.level)


def assets_of(*, user) -> QuerySet[Asset]:
    """The person's own devices that are not retired: what their new-ticket form offers."""
    return Asset.objects.filter(user=user).exclude(status=AssetStatus.RETIRED).order_by("tag", "id")


def asset_visible_to(*, user, tag: str) -> Asset:
    """The asset with this tag for staff, or among the person's own devices; else 404."""
    key = tag_key(tag)
    asset = None if key is None else assets_visible_to(user=user).filter(tag__iexact=key).first()
    if asset is None:
        raise Http404
    return asset


def assets_visible_to(*, user) -> QuerySet[Asset]:
    """Staff: every asset; anyone else: the ones they use."""
    assets = Asset.objects.select_related("user", "vendor", "parent")
    return assets if can_see_assets(user) else assets.filter(user=user)


def asset_user_choices() -> QuerySet:
    """People assets can be assigned to: active accounts, by name."""
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def import_get_for_user(*, user, pk: int) -> AssetImport:
    """An import, for support staff (who see every asset it would change); 403 for anyone else."""
    if not can_see_assets(user):
        raise PermissionDenied
    found = AssetImport.objects.select_related("uploaded_by").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def progress_key(import_id: int) -> str:
    """The cache key under which a running apply counts the rows it has written."""
    return f"asset-import-applied:{import_id}"


RUNNING_IMPORT = (ImportStatus.UPLOADED, ImportStatus.PARSING, ImportStatus.CONFIRMED, ImportStatus.APPLYING)


def import_progress_state(*, asset_import: AssetImport) -> dict:
    """How far an import is: rows applied so far (counted in the cache while it applies),
    the percentage the progress bar shows, and whether a worker is still on it."""
    applied = asset_import.rows_applied
    percent = asset_import.percent
    if asset_import.status == ImportStatus.APPLYING:
        applied = cache.get(progress_key(asset_import.pk), 0)
        total = asset_import.creates + asset_import.updates
        if total:
            percent = min(100, applied * 100 // total)
    return {"applied": applied, "percent": percent, "running": asset_import.status in RUNNING_IMPORT}


def import_rows(*, asset_import: AssetImport, action: str | None = None) -> QuerySet[AssetImportRow]:
    """An import's preview rows, by row number; only those of one action when given."""
    rows = AssetImportRow.objects.filter(asset_import=asset_import)
    if action:
        rows = rows.filter(action=action)
    return rows.order_by("row_number", "id")


def import_problems(*, asset_import: AssetImport, limit: int = 100) -> list[AssetImportRow]:
    return list(AssetImportRow.objects.filter(asset_import=asset_import, action="error").order_by("row_number")[:limit])


def import_sample(*, asset_import: AssetImport, limit: int = 20) -> list[AssetImportRow]:
    """The first rows that change something (creates and updates)."""
    return list(
        AssetImportRow.objects.filter(asset_import=asset_import, action__in=("create", "update")).order_by(
            "row_number"
        )[:limit]
    )


def tags_existing(tags) -> dict[str, Asset]:
    """The assets with these tags (lower-cased keys), in one query."""
    return {asset.tag.lower(): asset for asset in Asset.objects.annotate(low=Lower("tag")).filter(low__in=list(tags))}


def asset_export_rows(assets: QuerySet[Asset]):
    """The assets as rows of the export's columns (assets.columns), read in chunks with a
    server-side cursor: the whole inventory is never in memory at once."""
    columns = (
        "tag asset_type name manufacturer model serial_number host_name ip_address mac_address location"
        " user__username status purchase_date purchase_cost warranty_ends_on vendor__name parent__tag"
        " seats_owned seats_used licence_expires_on notes"
    ).split()
    for values in assets.values_list(*columns).iterator(chunk_size=2000):
        yield ["" if value is None else value for value in values]
