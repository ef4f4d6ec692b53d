"""Which devices a ticket is about: staff at the ticket's level add and remove them by
tag, the requester names one of theirs when filing; each change is on the ticket's audit
trail (the requester sees it too: it is about their device)."""

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.choices import EventKind
from tickets.exceptions import NotAllowedError as TicketNotAllowed
from tickets.exceptions import TicketError
from tickets.services.common import event_record, require_staff_at, ticket_lock

from ..exceptions import AssetError, NotAllowedError
from ..models import Asset, TicketAsset
from ..selectors import asset_by_tag

# A ticket about more devices than this is about something else (a site, a service).
MAX_ASSETS_PER_TICKET = 50


def _locked_ticket_for(ticket_id: int, by):
    try:
        ticket = ticket_lock(ticket_id)
        require_staff_at(by, ticket)
    except TicketNotAllowed as exc:
        raise NotAllowedError(exc.message) from None
    except TicketError as exc:
        raise AssetError(exc.message) from None
    return ticket


@transaction.atomic
def ticket_asset_link(*, ticket_id: int, by, tag: str | None = None, asset_id: int | None = None) -> TicketAsset:
    """Say the ticket is about this asset (found by tag, whatever its case, or by id); a
    link already there is returned as it is, with no second event."""
    ticket = _locked_ticket_for(ticket_id, by)
    if asset_id is not None:
        asset = Asset.objects.filter(pk=asset_id).first()
    else:
        tag = " ".join(str(tag or "").split())
        if not tag:
            raise AssetError(_("Type the asset's tag."), "tag")
        asset = asset_by_tag(tag)
        if asset is None:
            raise AssetError(_("No asset has the tag “%(tag)s”.") % {"tag": tag[:64]}, "tag")
    if asset is None:
        raise AssetError(_("That asset does not exist."), "tag")
    existing = TicketAsset.objects.filter(ticket=ticket, asset=asset).first()
    if existing is not None:
        return existing
    if TicketAsset.objects.filter(ticket=ticket).count() >= MAX_ASSETS_PER_TICKET:
        raise AssetError(_("A ticket can name at most %(max)d devices.") % {"max": MAX_ASSETS_PER_TICKET}, "tag")
    return _link(ticket=ticket, asset=asset, by=by)


def ticket_asset_link_found(*, ticket, asset: Asset, by) -> TicketAsset:
    """Link the asset another app found the ticket to be about (a monitoring alert's host)
    in the caller's transaction, which holds the ticket: no staff check, once per pair."""
    return _link(ticket=ticket, asset=asset, by=by)


def _link(*, ticket, asset: Asset, by) -> TicketAsset:
    now = timezone.now()
    try:
        with transaction.atomic():
            link = TicketAsset.objects.create(ticket=ticket, asset=asset, added_by=by, added_at=now)
    except IntegrityError:
        return TicketAsset.objects.get(ticket=ticket, asset=asset)
    event_record(ticket, by, EventKind.ASSET_ADDED, field="asset", new=str(asset), at=now)
    return link


@transaction.atomic
def ticket_asset_unlink(*, ticket_id: int, asset_id: int, by) -> None:
    """The ticket is no longer about this asset; removing one that is not there does nothing."""
    ticket = _locked_ticket_for(ticket_id, by)
    link = TicketAsset.objects.filter(ticket=ticket, asset_id=asset_id).select_related("asset").first()
    if link is None:
        return
    link.delete()
    event_record(ticket, by, EventKind.ASSET_REMOVED, field="asset", old=str(link.asset))


def ticket_asset_link_on_filing(*, ticket, data: dict, by) -> None:
    """tickets.extensions hook: the device the requester chose on the new-ticket form,
    which must be one of theirs and not retired."""
    asset = data.get("asset")
    if asset is None:
        return
    if not isinstance(asset, Asset) or asset.user_id != ticket.requester_id or asset.status == "retired":
        raise TicketError(_("Choose one of your own devices, or none."))
    _link(ticket=ticket, asset=asset, by=by)


def ticket_assets_merge(*, duplicate_id: int, target_id: int, by) -> None:
    """tickets.extensions hook: the devices a merged duplicate was about become the
    target's (a device the target names already stays once)."""
    TicketAsset.objects.filter(ticket_id=duplicate_id).filter(
        Exists(TicketAsset.objects.filter(ticket_id=target_id, asset=OuterRef("asset")))
    ).delete()
    TicketAsset.objects.filter(ticket_id=duplicate_id).update(ticket_id=target_id)
