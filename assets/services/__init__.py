"""Every change to assets, by topic: the records, their links to tickets, imports, expiry warnings."""

from .expiry import asset_expiry_warn
from .imports import asset_import_apply, asset_import_confirm, asset_import_parse, asset_import_upload
from .links import (
    ticket_asset_link,
    ticket_asset_link_found,
    ticket_asset_link_on_filing,
    ticket_asset_unlink,
    ticket_assets_merge,
)
from .records import EDITABLE_FIELDS, asset_create, asset_update

__all__ = [
    "EDITABLE_FIELDS",
    "asset_create",
    "asset_expiry_warn",
    "asset_import_apply",
    "asset_import_confirm",
    "asset_import_parse",
    "asset_import_upload",
    "asset_update",
    "ticket_asset_link",
    "ticket_asset_link_found",
    "ticket_asset_link_on_filing",
    "ticket_asset_unlink",
    "ticket_assets_merge",
]
