"""The columns of an asset file, as the export writes them and the import reads them:
each field's English header (the export's), the Indonesian one the import also accepts,
and how a cell is read."""

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .choices import AssetStatus, AssetType


@dataclass(frozen=True)
class Column:
    field: str  # the Asset field (user, vendor and parent by their key: username, name, tag)
    header: str  # English, as exported
    header_id: str  # Bahasa Indonesia, also accepted on import
    kind: str  # text, type, status, ip, mac, date, cost, count, user, vendor, parent
    label: object = ""


COLUMNS = (
    Column("tag", "Tag", "Tag aset", "tag", _("Tag")),
    Column("asset_type", "Type", "Jenis", "type", _("Type")),
    Column("name", "Name", "Nama", "text", _("Name")),
    Column("manufacturer", "Manufacturer", "Produsen", "text", _("Manufacturer")),
    Column("model", "Model", "Model", "text", _("Model")),
    Column("serial_number", "Serial number", "Nomor seri", "text", _("Serial number")),
    Column("host_name", "Host name", "Nama host", "text", _("Host name")),
    Column("ip_address", "IP address", "Alamat IP", "ip", _("IP address")),
    Column("mac_address", "MAC address", "Alamat MAC", "mac", _("MAC address")),
    Column("location", "Location", "Lokasi", "text", _("Location")),
    Column("user", "Used by", "Pengguna", "user", _("Used by")),
    Column("status", "Status", "Status", "status", _("Status")),
    Column("purchase_date", "Purchase date", "Tanggal pembelian", "date", _("Purchase date")),
    Column("purchase_cost", "Purchase cost", "Harga pembelian", "cost", _("Purchase cost")),
    Column("warranty_ends_on", "Warranty ends on", "Garansi berakhir", "date", _("Warranty ends on")),
    Column("vendor", "Vendor", "Pemasok", "vendor", _("Vendor")),
    Column("parent", "Part of", "Bagian dari", "parent", _("Part of")),
    Column("seats_owned", "Seats owned", "Jumlah lisensi", "count", _("Seats owned")),
    Column("seats_used", "Seats used", "Lisensi terpakai", "count", _("Seats used")),
    Column("licence_expires_on", "Licence expires on", "Lisensi berakhir", "date", _("Licence expires on")),
    Column("notes", "Notes", "Catatan", "text", _("Notes")),
)
HEADERS = [column.header for column in COLUMNS]
TEXT_LIMITS = {"name": 200, "manufacturer": 120, "model": 120, "serial_number": 120, "host_name": 253, "location": 200}
NOTES_LIMIT = 5000


def header_key(text) -> str:
    return " ".join(str(text or "").replace("_", " ").replace("-", " ").split()).casefold()


# Each accepted header, folded, and the column it names.
HEADER_ALIASES: dict[str, Column] = {}
for _column in COLUMNS:
    for _name in (_column.header, _column.header_id, _column.field):
        HEADER_ALIASES[header_key(_name)] = _column
HEADER_ALIASES[header_key("asset tag")] = COLUMNS[0]
HEADER_ALIASES[header_key("parent tag")] = HEADER_ALIASES[header_key("part of")]


def _choice_words(choices) -> dict[str, str]:
    words: dict[str, str] = {}
    for value, label in choices.choices:
        words[header_key(value)] = value
        for language in ("en", "id"):
            with translation.override(language):
                words[header_key(str(label))] = value
    return words


def type_words() -> dict[str, str]:
    """Every way a file may name a type: its code, its English or Indonesian label."""
    return _choice_words(AssetType)


def status_words() -> dict[str, str]:
    return _choice_words(AssetStatus)
