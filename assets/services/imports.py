"""Importing assets from a CSV or XLSX file, in three steps nothing skips:

1. ``asset_import_upload`` stores the file (under HELPDESK_VAR_DIR) and queues the read.
2. ``asset_import_parse`` (a worker) reads it a row at a time (csv.reader over the open
   file; openpyxl in read-only mode) and writes, per batch of rows, what each line would
   do: create, update (the fields that change, old → new), unchanged, or its errors.
   Nothing is written to the assets; memory holds one batch plus the set of tags seen.
3. ``asset_import_confirm`` (refused while any row has an error) and then
   ``asset_import_apply`` (a worker) write the creates and updates in batches
   (bulk_create, bulk_update) in one transaction: all or nothing, and applied once —
   confirming claims the import with a conditional UPDATE and the apply locks it.
"""

import csv
import datetime
import io
import logging
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from celery import signature
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from vendors.models import Vendor

from ..choices import AssetType, ImportAction, ImportStatus
from ..columns import HEADER_ALIASES, NOTES_LIMIT, TEXT_LIMITS, Column, header_key, status_words, type_words
from ..exceptions import AssetError, NotAllowedError
from ..models import Asset, AssetImport, AssetImportRow
from ..rules import cost_clean, count_clean, date_clean, ip_clean, mac_clean, record_check, tag_clean
from ..selectors import can_see_assets, progress_key
from .records import MAX_DEPTH

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
PARSE_TASK = "assets.tasks.asset_import_parse"
APPLY_TASK = "assets.tasks.asset_import_apply"
FORMATS = ("csv", "xlsx")
# The fields an import writes, in the model's terms (foreign keys by id, the parent by tag).
IMPORT_FIELDS = (
    "asset_type name manufacturer model serial_number host_name ip_address mac_address location user_id status"
    " purchase_date purchase_cost warranty_ends_on vendor_id parent_tag seats_owned seats_used licence_expires_on"
    " notes"
).split()
# The import's own field names and the column each comes from.
FIELD_COLUMNS = {"user_id": "user", "vendor_id": "vendor", "parent_tag": "parent"}
DATE_FIELDS = ("purchase_date", "warranty_ends_on", "licence_expires_on")


def import_directory() -> Path:
    directory = Path(settings.VAR_DIR) / "asset-imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


# -- 1. upload ---------------------------------------------------------------------------


def asset_import_upload(*, by, upload) -> AssetImport:
    """Store the uploaded file and queue its reading; nothing about the assets changes yet."""
    if not can_see_assets(by):
        raise NotAllowedError(_("Only support staff can import assets."))
    name = Path(str(upload.name or "")).name[:255] or "assets"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in FORMATS:
        raise AssetError(_("Upload a .csv or .xlsx file."), "file")
    limit = settings.HELPDESK_ASSET_IMPORT_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise AssetError(
            _("The file is larger than %(mb)d MB; split it.") % {"mb": settings.HELPDESK_ASSET_IMPORT_MAX_MB}, "file"
        )
    if not upload.size:
        raise AssetError(_("The file is empty."), "file")
    path = import_directory() / f"{uuid.uuid4().hex}.{extension}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    with transaction.atomic():
        created = AssetImport.objects.create(
            uploaded_by=by, original_name=name, stored_path=str(path), file_format=extension
        )
        transaction.on_commit(lambda: signature(PARSE_TASK, args=(created.pk,)).apply_async())
    return created


# -- 2. parse ----------------------------------------------------------------------------


def _csv_rows(path: Path) -> Iterator[list]:
    # utf-8-sig: Excel writes a byte-order mark; the csv module reads the open file line by line.
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        yield from csv.reader(handle, dialect)


def _xlsx_rows(path: Path) -> Iterator[list]:
    from openpyxl import load_workbook  # noqa: PLC0415 - only the import and export need it

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def rows_of(path: Path, file_format: str) -> Iterator[list]:
    return _xlsx_rows(path) if file_format == "xlsx" else _csv_rows(path)


def _count_rows(path: Path, file_format: str) -> int:
    """How many data rows there are, for the progress bar: line breaks counted in 1 MB chunks
    (a CSV), or the sheet's own dimension (an XLSX)."""
    if file_format == "xlsx":
        from openpyxl import load_workbook  # noqa: PLC0415

        workbook = load_workbook(path, read_only=True)
        try:
            return max(0, (workbook.worksheets[0].max_row or 1) - 1)
        finally:
            workbook.close()
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(0, lines - 1)


class _Reader:
    """What a parse keeps between batches: the columns found, the people, vendors and
    parents already looked up, and every tag seen (for duplicates and parents in the file)."""

    def __init__(self, columns: list[Column | None]) -> None:
        self.columns = columns
        self.present = {column.field for column in columns if column is not None}
        self.types = type_words()
        self.statuses = status_words()
        self.users: dict[str, int | None] = {}
        self.vendors: dict[str, int | None] = {}
        self.parents: dict[str, int | None] = {}
        self.seen: set[str] = set()

    def lookups(self, batch: list[tuple[int, list]]) -> dict[str, Asset]:
        """Fill the caches for a batch in one query each; the batch's existing assets by tag."""
        want_users, want_vendors, want_parents, tags = set(), set(), set(), set()
        for _number, cells in batch:
            for column, cell in zip(self.columns, cells, strict=False):
                if column is None or cell in (None, ""):
                    continue
                key = str(cell).strip().casefold()
                if column.kind == "user" and key not in self.users:
                    want_users.add(key)
                elif column.kind == "vendor" and key not in self.vendors:
                    want_vendors.add(key)
                elif column.kind == "parent" and key not in self.parents:
                    want_parents.add(key)
                elif column.kind == "tag":
                    tags.add(key)
        if want_users:
            for user_id, username, email in (
                get_user_model()
                .objects.annotate(low_username=Lower("username"), low_email=Lower("email"))
                .filter(Q(low_username__in=want_users) | Q(low_email__in=want_users))
                .values_list("pk", "username", "email")
            ):
                self.users[username.casefold()] = user_id
                if email:
                    self.users.setdefault(email.casefold(), user_id)
            for key in want_users:
                self.users.setdefault(key, None)
        if want_vendors:
            for vendor_id, name in (
                Vendor.objects.annotate(low=Lower("name")).filter(low__in=want_vendors).values_list("pk", "name")
            ):
                self.vendors[name.casefold()] = vendor_id
            for key in want_vendors:
                self.vendors.setdefault(key, None)
        if want_parents:
            for asset_id, tag in (
                Asset.objects.annotate(low=Lower("tag")).filter(low__in=want_parents).values_list("pk", "tag")
            ):
                self.parents[tag.casefold()] = asset_id
            for key in want_parents:
                self.parents.setdefault(key, None)
        existing = Asset.objects.annotate(low=Lower("tag")).filter(low__in=tags).select_related("user", "vendor")
        found: dict[str, Asset] = {asset.tag.casefold(): asset for asset in existing.select_related("parent")}
        return found

    def read(self, number: int, cells: list, existing: dict[str, Asset]) -> AssetImportRow:
        problems: list[dict] = []
        values: dict = {}
        tag = ""

        def problem(column: Column | None, message: str) -> None:
            problems.append({"column": column.header if column else "", "message": message})

        for column, cell in zip(self.columns, cells, strict=False):
            if column is None:
                continue
            try:
                if column.kind == "tag":
                    tag = tag_clean(cell)
                else:
                    values.update(self._cell(column, cell))
            except AssetError as exc:
                problem(column, exc.message)
        tag_column = HEADER_ALIASES["tag"]
        if not tag and not any(p["column"] == tag_column.header for p in problems):
            problem(tag_column, _("Give the asset a tag."))
        key = tag.casefold()
        if tag and key in self.seen:
            problem(tag_column, _("The tag %(tag)s is on an earlier row of this file too.") % {"tag": tag})
        if tag:
            self.seen.add(key)
        asset = existing.get(key) if tag else None
        current = _current_values(asset) if asset is not None else {}
        merged = {**current, **values}
        if asset is None and not merged.get("asset_type"):
            if "asset_type" not in self.present or not any(p["column"] == "Type" for p in problems):
                problem(HEADER_ALIASES["type"], _("A new asset needs a type."))
        if "parent_tag" in values and values["parent_tag"] and tag and values["parent_tag"].casefold() == key:
            problem(HEADER_ALIASES["parent"], _("An asset cannot be part of itself."))
        if not problems:
            try:
                record_check(_as_python(merged))
            except AssetError as exc:
                problem(_column_of(exc.field), exc.message)
        if not problems and asset is not None and values.get("parent_tag"):
            parent_id = self.parents.get(values["parent_tag"].casefold())
            if parent_id is not None and _is_below(parent_id, asset.pk):
                problem(HEADER_ALIASES["parent"], _("An asset cannot be part of one of its own parts."))
        row = AssetImportRow(row_number=number, tag=tag)
        if problems:
            row.action, row.problems = ImportAction.ERROR, problems
        elif asset is None:
            row.action, row.values = ImportAction.CREATE, {"tag": tag, **merged}
        else:
            changes = {
                field: [current.get(field), value] for field, value in values.items() if current.get(field) != value
            }
            if tag != asset.tag:
                changes["tag"] = [asset.tag, tag]
            row.asset = asset
            row.action = ImportAction.UPDATE if changes else ImportAction.UNCHANGED
            # Only what the file changes: applying it leaves any other field as it is then.
            row.values = {"tag": tag, **{field: values[field] for field in changes if field != "tag"}}
            row.changes = _readable(changes, self)
        return row

    def _cell(self, column: Column, cell) -> dict:
        field, kind = column.field, column.kind
        empty = cell is None or (isinstance(cell, str) and not cell.strip())
        if kind == "text":
            text = "" if empty else str(cell)
            text = text.replace("\r\n", "\n").strip() if field == "notes" else " ".join(text.split())
            limit = NOTES_LIMIT if field == "notes" else TEXT_LIMITS[field]
            if len(text) > limit:
                raise AssetError(_("At most %(max)d characters.") % {"max": limit})
            return {field: text}
        if kind == "type":
            if empty:
                return {}
            value = self.types.get(header_key(cell))
            if value is None:
                raise AssetError(_("Unknown type “%(value)s”.") % {"value": str(cell)[:40]})
            return {"asset_type": value}
        if kind == "status":
            if empty:
                return {}
            value = self.statuses.get(header_key(cell))
            if value is None:
                raise AssetError(_("Unknown status “%(value)s”.") % {"value": str(cell)[:40]})
            return {"status": value}
        if kind == "ip":
            return {"ip_address": ip_clean(cell)}
        if kind == "mac":
            return {"mac_address": mac_clean("" if empty else str(cell))}
        if kind == "date":
            day = date_clean(cell, field)
            return {field: day.isoformat() if day else None}
        if kind == "cost":
            cost = cost_clean(cell)
            return {"purchase_cost": str(cost) if cost is not None else None}
        if kind == "count":
            if isinstance(cell, float) and cell.is_integer():
                cell = int(cell)
            return {field: count_clean(cell, field)}
        key = "" if empty else str(cell).strip()
        if kind == "user":
            if not key:
                return {"user_id": None}
            user_id = self.users.get(key.casefold())
            if user_id is None:
                raise AssetError(_("No one has the user name or email “%(value)s”.") % {"value": key[:60]})
            return {"user_id": user_id}
        if kind == "vendor":
            if not key:
                return {"vendor_id": None}
            vendor_id = self.vendors.get(key.casefold())
            if vendor_id is None:
                raise AssetError(_("Unknown vendor “%(value)s”.") % {"value": key[:60]})
            return {"vendor_id": vendor_id}
        # The parent: an asset already recorded, or one on an earlier row of this file.
        if not key:
            return {"parent_tag": ""}
        if self.parents.get(key.casefold()) is None and key.casefold() not in self.seen:
            raise AssetError(
                _("Unknown parent tag “%(value)s”: it is neither recorded nor on an earlier row.") % {"value": key[:64]}
            )
        return {"parent_tag": key}


def _column_of(field: str | None) -> Column | None:
    if field is None:
        return None
    return HEADER_ALIASES.get(header_key(field))


def _is_below(candidate_id: int, asset_id: int) -> bool:
    """Whether ``candidate_id`` is ``asset_id`` or one of its parts (a parent there would loop)."""
    current: int | None = candidate_id
    for _step in range(MAX_DEPTH):
        if current is None:
            return False
        if current == asset_id:
            return True
        current = Asset.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return True


def _current_values(asset: Asset) -> dict:
    values = {}
    for field in IMPORT_FIELDS:
        if field == "parent_tag":
            values[field] = asset.parent.tag if asset.parent is not None else ""
            continue
        value = getattr(asset, field)
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        values[field] = value
    return values


def _as_python(values: dict) -> dict:
    python = dict(values)
    for field in DATE_FIELDS:
        if python.get(field):
            python[field] = datetime.date.fromisoformat(python[field])
    return python


def _readable(changes: dict, reader: "_Reader") -> dict:
    """Changes as a person reads them: people by user name, vendors by name."""
    if not changes:
        return {}
    names = {}
    user_ids = {v for f, pair in changes.items() if f == "user_id" for v in pair if v}
    vendor_ids = {v for f, pair in changes.items() if f == "vendor_id" for v in pair if v}
    if user_ids:
        names.update(
            {
                ("user_id", pk): name
                for pk, name in get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username")
            }
        )
    if vendor_ids:
        names.update(
            {("vendor_id", pk): name for pk, name in Vendor.objects.filter(pk__in=vendor_ids).values_list("pk", "name")}
        )
    readable = {}
    for field, (old, new) in changes.items():
        # Keyed by the column's header, as the file names it.
        column = HEADER_ALIASES.get(header_key(FIELD_COLUMNS.get(field, field)))
        readable[column.header if column else field] = [
            names.get((field, old), "" if old is None else str(old)),
            names.get((field, new), "" if new is None else str(new)),
        ]
    return readable


def asset_import_parse(*, import_id: int) -> AssetImport | None:
    """Read the stored file into rows of outcome, a batch at a time; claimed with a
    conditional UPDATE so a repeated task reads nothing twice."""
    claimed = AssetImport.objects.filter(pk=import_id, status=ImportStatus.UPLOADED).update(status=ImportStatus.PARSING)
    if not claimed:
        return None
    asset_import = AssetImport.objects.get(pk=import_id)
    path = Path(asset_import.stored_path)
    try:
        total = _count_rows(path, asset_import.file_format)
        AssetImport.objects.filter(pk=import_id).update(rows_total=total)
        rows = rows_of(path, asset_import.file_format)
        header = next(rows, None)
        columns = _columns_from(header)
        reader = _Reader(columns)
        counts = {action: 0 for action in ImportAction.values}
        read = 0
        batch: list[tuple[int, list]] = []
        number = 1
        for cells in rows:
            number += 1
            if not any(cell not in (None, "") and str(cell).strip() for cell in cells):
                continue  # a blank line
            batch.append((number, cells))
            if len(batch) >= BATCH_SIZE:
                read += _parse_batch(asset_import, reader, batch, counts)
                batch = []
        if batch:
            read += _parse_batch(asset_import, reader, batch, counts)
    except Exception as exc:  # noqa: BLE001 - whatever a hostile file does, the import fails with a reason
        if not isinstance(exc, AssetError):
            logger.warning("Asset import %s could not be read", import_id, exc_info=True)
        message = exc.message if isinstance(exc, AssetError) else _("The file could not be read as a CSV or XLSX.")
        AssetImportRow.objects.filter(asset_import_id=import_id).delete()
        AssetImport.objects.filter(pk=import_id).update(status=ImportStatus.FAILED, failure=message)
        return AssetImport.objects.get(pk=import_id)
    AssetImport.objects.filter(pk=import_id).update(
        status=ImportStatus.PREVIEWED,
        rows_read=read,
        rows_total=read,
        creates=counts[ImportAction.CREATE],
        updates=counts[ImportAction.UPDATE],
        unchanged=counts[ImportAction.UNCHANGED],
        errors=counts[ImportAction.ERROR],
    )
    return AssetImport.objects.get(pk=import_id)


def _columns_from(header) -> list[Column | None]:
    if not header:
        raise AssetError(_("The file is empty: the first row must name the columns (Tag, Type, …)."))
    columns = [HEADER_ALIASES.get(header_key(cell)) for cell in header]
    found = [column.field for column in columns if column is not None]
    if "tag" not in found:
        raise AssetError(_("The first row must name the columns, and one of them must be “Tag”."))
    duplicated = {field for field in found if found.count(field) > 1}
    if duplicated:
        raise AssetError(_("A column is named twice in the first row."))
    return columns


def _parse_batch(asset_import: AssetImport, reader: _Reader, batch, counts: dict) -> int:
    existing = reader.lookups(batch)
    rows = []
    for number, cells in batch:
        row = reader.read(number, cells, existing)
        row.asset_import = asset_import
        counts[row.action] += 1
        rows.append(row)
    AssetImportRow.objects.bulk_create(rows)
    AssetImport.objects.filter(pk=asset_import.pk).update(
        rows_read=sum(counts.values()), errors=counts[ImportAction.ERROR]
    )
    return len(rows)


# -- 3. confirm and apply ----------------------------------------------------------------


def asset_import_confirm(*, import_id: int, by) -> AssetImport:
    """Ask for the previewed import to be applied: refused while any row has an error;
    a second confirmation finds it claimed already and queues nothing."""
    asset_import = AssetImport.objects.filter(pk=import_id).first()
    if asset_import is None or not can_see_assets(by):
        raise NotAllowedError(_("That import does not exist."))
    if asset_import.status != ImportStatus.PREVIEWED:
        if asset_import.status in (ImportStatus.CONFIRMED, ImportStatus.APPLYING, ImportStatus.APPLIED):
            return asset_import
        raise AssetError(_("This import is not ready to confirm yet."))
    if asset_import.errors:
        raise AssetError(
            _(
                "Fix the %(count)d rows with errors in the file and upload it again: nothing is imported until every row is valid."
            )
            % {"count": asset_import.errors}
        )
    with transaction.atomic():
        claimed = AssetImport.objects.filter(pk=import_id, status=ImportStatus.PREVIEWED, errors=0).update(
            status=ImportStatus.CONFIRMED
        )
        if claimed:
            transaction.on_commit(lambda: signature(APPLY_TASK, args=(import_id,)).apply_async())
    return AssetImport.objects.get(pk=import_id)


def asset_import_apply(*, import_id: int) -> AssetImport | None:
    """Write the confirmed import's creates and updates, in batches, in one transaction:
    all or nothing. The import is locked and marked applied in the same transaction, so a
    repeated task (a redelivery, a second confirmation) applies nothing twice."""
    AssetImport.objects.filter(pk=import_id, status=ImportStatus.CONFIRMED).update(status=ImportStatus.APPLYING)
    with transaction.atomic():
        asset_import = AssetImport.objects.select_for_update().filter(pk=import_id).first()
        if asset_import is None or asset_import.status != ImportStatus.APPLYING:
            return asset_import
        parents: dict[str, int] = {}
        done = 0
        now = timezone.now()
        done = _apply_creates(asset_import, parents, now, done)
        done = _apply_updates(asset_import, parents, now, done)
        asset_import.status = ImportStatus.APPLIED
        asset_import.rows_applied = done
        asset_import.applied_at = timezone.now()
        asset_import.save(update_fields=["status", "rows_applied", "applied_at"])
    cache.delete(progress_key(import_id))
    return asset_import


def _batches(asset_import: AssetImport, action: str) -> Iterator[list[AssetImportRow]]:
    last = 0
    while True:
        rows = list(
            AssetImportRow.objects.filter(asset_import=asset_import, action=action, row_number__gt=last).order_by(
                "row_number"
            )[:BATCH_SIZE]
        )
        if not rows:
            return
        yield rows
        last = rows[-1].row_number


def _parent_ids(parents: dict[str, int], rows: list[AssetImportRow]) -> None:
    wanted = {row.values.get("parent_tag", "").casefold() for row in rows} - {""} - set(parents)
    if wanted:
        for pk, tag in Asset.objects.annotate(low=Lower("tag")).filter(low__in=wanted).values_list("pk", "tag"):
            parents[tag.casefold()] = pk


def _model_values(values: dict, parents: dict[str, int]) -> dict:
    python = _as_python(values)
    parent_tag = python.pop("parent_tag", "") or ""
    python["parent_id"] = parents.get(parent_tag.casefold()) if parent_tag else None
    if python.get("purchase_cost") is not None:
        python["purchase_cost"] = Decimal(python["purchase_cost"])
    python.setdefault("status", "in_use")
    python.setdefault("asset_type", AssetType.OTHER_HARDWARE)
    for field in ("name", "manufacturer", "model", "serial_number", "host_name", "location", "mac_address", "notes"):
        python[field] = python.get(field) or ""
    return python


def _changed_values(values: dict, parents: dict[str, int]) -> dict:
    """An update's fields in the model's terms: only those the file changes."""
    python = _as_python({key: value for key, value in values.items() if key != "tag"})
    if "parent_tag" in python:
        parent_tag = python.pop("parent_tag") or ""
        python["parent_id"] = parents.get(parent_tag.casefold()) if parent_tag else None
    if python.get("purchase_cost") is not None:
        python["purchase_cost"] = Decimal(python["purchase_cost"])
    return python


def _apply_creates(asset_import: AssetImport, parents: dict[str, int], now, done: int) -> int:
    for rows in _batches(asset_import, ImportAction.CREATE):
        _parent_ids(parents, rows)
        assets: list[Asset] = []
        waiting: list[tuple[Asset, str]] = []  # parents on this batch's earlier rows
        for row in rows:
            asset = Asset(**_model_values(row.values, parents), created_at=now, updated_at=now)
            parent_tag = (row.values.get("parent_tag") or "").casefold()
            if parent_tag and asset.parent_id is None:
                waiting.append((asset, parent_tag))
            assets.append(asset)
        for asset in Asset.objects.bulk_create(assets):
            parents[asset.tag.casefold()] = asset.pk
        for asset, parent_tag in waiting:
            asset.parent_id = parents[parent_tag]
        if waiting:
            Asset.objects.bulk_update([asset for asset, _tag in waiting], ["parent_id"], batch_size=BATCH_SIZE)
        done += len(rows)
        cache.set(progress_key(asset_import.pk), done, 3600)
    return done


def _apply_updates(asset_import: AssetImport, parents: dict[str, int], now, done: int) -> int:
    fields = [f for f in IMPORT_FIELDS if f != "parent_tag"] + ["parent_id", "tag", "updated_at"]
    for rows in _batches(asset_import, ImportAction.UPDATE):
        _parent_ids(parents, rows)
        assets = Asset.objects.select_for_update().in_bulk([row.asset_id for row in rows if row.asset_id])
        changed = []
        for row in rows:
            asset = assets.get(row.asset_id)
            if asset is None:
                continue  # deleted since the preview
            for field, value in _changed_values(row.values, parents).items():
                setattr(asset, field, value)
            asset.tag = row.values["tag"]
            asset.updated_at = now
            changed.append(asset)
        Asset.objects.bulk_update(changed, fields, batch_size=BATCH_SIZE)
        done += len(rows)
        cache.set(progress_key(asset_import.pk), done, 3600)
    return done


def rows_from_text(text: str) -> Iterator[list]:
    """A CSV given as text, row by row (tests and the bench build files with it)."""
    return csv.reader(io.StringIO(text))
