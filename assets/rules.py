"""The rules an asset's fields keep, whoever writes them (the form, the import, the API):
each takes what a person typed and returns the stored value or raises ``AssetError``."""

import datetime
import ipaddress
import re
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.text import single_line

from .choices import TAG_MAX_LENGTH, AssetType
from .exceptions import AssetError

_MAC_DIGITS = re.compile(r"^[0-9a-f]{12}$")
_MAC_SEPARATORS = re.compile(r"[\s:.\-]")
_TAG = re.compile(r"^[\w.\-]+$")
EARLIEST_YEAR = 1980
LATEST_YEAR = 2100
LICENCE_FIELDS = ("seats_owned", "seats_used", "licence_expires_on")


def tag_clean(value: str) -> str:
    tag = single_line(str(value or "")).strip()
    if not tag:
        raise AssetError(_("Give the asset a tag."), "tag")
    if len(tag) > TAG_MAX_LENGTH:
        raise AssetError(_("A tag is at most %(max)d characters.") % {"max": TAG_MAX_LENGTH}, "tag")
    if not _TAG.match(tag):
        raise AssetError(_("A tag has letters, digits and - _ . only, no spaces."), "tag")
    return tag


def mac_clean(value: str) -> str:
    """aa:bb:cc:dd:ee:ff from any of AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff, aabbccddeeff."""
    raw = str(value or "").strip()
    if not raw:
        return ""
    digits = _MAC_SEPARATORS.sub("", raw).lower()
    if not _MAC_DIGITS.match(digits):
        raise AssetError(
            _("“%(value)s” is not a MAC address: write six pairs of hex digits, e.g. aa:bb:cc:dd:ee:ff.")
            % {"value": raw[:40]},
            "mac_address",
        )
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def ip_clean(value) -> str | None:
    raw = str(value or "").strip()
    if not raw:
        return None
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        raise AssetError(
            _("“%(value)s” is not an IP address (IPv4 like 10.0.0.5 or IPv6).") % {"value": raw[:60]}, "ip_address"
        ) from None


def date_clean(value, field: str) -> datetime.date | None:
    """A date as yyyy-mm-dd or dd/mm/yyyy (or a spreadsheet's own date), between 1980 and 2100."""
    if value in (None, ""):
        return None
    day: datetime.date | None
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        raw = str(value).strip()
        if not raw:
            return None
        day = None
        for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
            try:
                day = datetime.datetime.strptime(raw, pattern).date()  # noqa: DTZ007 - a date, no time
                break
            except ValueError:
                continue
        if day is None:
            raise AssetError(
                _("“%(value)s” is not a date: write it as 2026-12-31 or 31/12/2026.") % {"value": raw[:40]}, field
            )
    if day is None or not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise AssetError(
            _("A date between %(first)d and %(last)d, please.") % {"first": EARLIEST_YEAR, "last": LATEST_YEAR},
            field,
        )
    return day


def count_clean(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise AssetError(_("A whole number, please."), field) from None
    if number < 0 or number > 10_000_000:
        raise AssetError(_("A whole number between 0 and 10,000,000, please."), field)
    return number


def cost_clean(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        cost = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise AssetError(_("A cost is a number, e.g. 15000000.00."), "purchase_cost") from None
    if not cost.is_finite() or cost < 0 or cost >= Decimal("1e12"):
        raise AssetError(_("A cost between 0 and 999,999,999,999.99, please."), "purchase_cost")
    return cost.quantize(Decimal("0.01"))


def record_check(values: dict) -> None:
    """The rules between fields: licence fields only for a licence, seats used within seats
    owned, warranty not before purchase, purchase not in the future."""
    if values.get("asset_type") != AssetType.LICENCE:
        for field in LICENCE_FIELDS:
            if values.get(field) not in (None, ""):
                raise AssetError(_("Seats and licence expiry are for software licences only."), field)
    owned, used = values.get("seats_owned"), values.get("seats_used")
    if used is not None and (owned is None or used > owned):
        raise AssetError(
            _("Seats used (%(used)s) cannot be more than seats owned (%(owned)s).")
            % {"used": used, "owned": owned if owned is not None else 0},
            "seats_used",
        )
    purchased, warranty = values.get("purchase_date"), values.get("warranty_ends_on")
    if purchased and purchased > timezone.localdate():
        raise AssetError(_("The purchase date is in the future."), "purchase_date")
    if purchased and warranty and warranty < purchased:
        raise AssetError(_("The warranty cannot end before the purchase date."), "warranty_ends_on")
