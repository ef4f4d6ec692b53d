"""How fast the asset import reads and applies a 50,000-row CSV, and how much memory it takes.

Run from the project root: ``.venv/bin/python bench/asset_import.py [--rows N] [--runs N]``. It
creates its own database (``BENCH_ASSETS_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/helpdesk_bench_assets), migrates it, and writes a CSV of
``--rows`` assets (laptops with a user, a vendor, dates, a MAC and an IP; every tenth a VM whose
host is an earlier row). Each run, on an empty inventory:

- parse + preview: ``asset_import_parse`` (the worker's task, called in-process) reads the file
  and writes one preview row per line;
- apply: ``asset_import_apply`` writes the assets in batches in one transaction;
- the floor, side by side in the same run: a bare ``csv.reader`` and ``bulk_create`` of the
  same rows (no validation, no preview, no parents), what the database and the ORM cost at all.

DEBUG is off, as on a worker. Prints rows per second of each, the peak Python memory of the parse (tracemalloc, in a separate
run, since tracing slows Python down) and the median of ``--runs`` runs.
"""

import argparse
import csv
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support.database import django_on_bench_database  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_assets"
HEADER = [
    "Tag",
    "Type",
    "Name",
    "Manufacturer",
    "Model",
    "Serial number",
    "Host name",
    "IP address",
    "MAC address",
    "Location",
    "Used by",
    "Status",
    "Purchase date",
    "Warranty ends on",
    "Vendor",
    "Part of",
]


def write_csv(path: Path, rows: int, people: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(rows):
            vm = n % 10 == 9
            writer.writerow(
                [
                    f"BEN-{n:06d}",
                    "vm" if vm else "laptop",
                    f"{'VM' if vm else 'Laptop'} {n}",
                    "Lenovo",
                    "ThinkPad T14",
                    f"SN{n:09d}",
                    f"host-{n}",
                    f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
                    f"02-00-{n >> 24 & 255:02X}-{n >> 16 & 255:02X}-{n >> 8 & 255:02X}-{n & 255:02X}",
                    f"Gedung {n % 12}, lantai {n % 5}",
                    people[n % len(people)] if not vm else "",
                    "in_use",
                    "2024-03-01",
                    "2027-03-01",
                    "PT Bench Komputer",
                    f"BEN-{n - 9:06d}" if vm else "",
                ]
            )


def reset() -> None:
    from assets.models import Asset, AssetImport

    AssetImport.objects.all().delete()
    Asset.objects.filter(parent__isnull=False).delete()
    Asset.objects.all().delete()


def one_run(path: Path, uploader, *, traced: bool = False) -> dict:
    from assets.models import Asset, AssetImport
    from assets.services import imports

    reset()
    asset_import = AssetImport.objects.create(
        uploaded_by=uploader, original_name=path.name, stored_path=str(path), file_format="csv"
    )
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    imports.asset_import_parse(import_id=asset_import.pk)
    parse_seconds = time.perf_counter() - started
    peak = 0
    if traced:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    asset_import.refresh_from_db()
    if asset_import.errors or asset_import.status != "previewed":
        raise SystemExit(
            f"the preview found {asset_import.errors} errors ({asset_import.status} {asset_import.failure})"
        )
    AssetImport.objects.filter(pk=asset_import.pk).update(status="confirmed")
    started = time.perf_counter()
    imports.asset_import_apply(import_id=asset_import.pk)
    apply_seconds = time.perf_counter() - started
    written = Asset.objects.count()
    return {"parse": parse_seconds, "apply": apply_seconds, "rows": written, "peak": peak}


def floor_run(path: Path) -> float:
    """A bare csv.reader and bulk_create of the same rows: the least any import could cost."""
    from assets.models import Asset

    reset()
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        batch = []
        for cells in reader:
            batch.append(
                Asset(
                    tag=cells[0],
                    asset_type=cells[1],
                    name=cells[2],
                    manufacturer=cells[3],
                    model=cells[4],
                    serial_number=cells[5],
                    host_name=cells[6],
                    ip_address=cells[7],
                    mac_address=cells[8].lower().replace("-", ":"),
                    location=cells[9],
                    status=cells[11],
                    purchase_date=cells[12],
                    warranty_ends_on=cells[13],
                )
            )
            if len(batch) >= 1000:
                Asset.objects.bulk_create(batch)
                batch = []
        Asset.objects.bulk_create(batch)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    url = django_on_bench_database("BENCH_ASSETS_DATABASE_URL", DEFAULT_DATABASE_URL)
    from django.conf import settings

    settings.DEBUG = False  # no query log: what a worker runs with
    print(f"Database: {url.rsplit('/', 1)[-1]}; {args.rows:,} rows; {args.runs} runs.")

    from django.contrib.auth import get_user_model

    from accounts.choices import Role
    from accounts.services import user_set_role
    from vendors.models import Vendor

    User = get_user_model()
    uploader, _created = User.objects.get_or_create(username="bench.agent", defaults={"email": "bench@example.com"})
    user_set_role(user=uploader, role=Role.AGENT)
    people = []
    for n in range(200):
        person, _created = User.objects.get_or_create(
            username=f"bench.user{n}", defaults={"email": f"bench.user{n}@example.com"}
        )
        people.append(person.username)
    Vendor.objects.get_or_create(name="PT Bench Komputer")

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "assets.csv"
        write_csv(path, args.rows, people)
        size_mb = path.stat().st_size / 1e6
        print(f"File: {size_mb:.1f} MB")
        runs = []
        floors = []
        for number in range(args.runs):
            result = one_run(path, uploader)
            floor = floor_run(path)
            runs.append(result)
            floors.append(floor)
            print(
                f"  run {number + 1}: parse+preview {result['parse']:.2f} s ({args.rows / result['parse']:,.0f} rows/s),"
                f" apply {result['apply']:.2f} s ({args.rows / result['apply']:,.0f} rows/s);"
                f" floor (csv.reader + bulk_create) {floor:.2f} s ({args.rows / floor:,.0f} rows/s)"
            )
            if result["rows"] != args.rows:
                print(f"  wrote {result['rows']} assets, expected {args.rows}")
                return 1
        traced = one_run(path, uploader, traced=True)
        reset()
    parse = statistics.median(r["parse"] for r in runs)
    apply = statistics.median(r["apply"] for r in runs)
    floor = statistics.median(floors)
    print(f"Median parse+preview: {parse:.2f} s, {args.rows / parse:,.0f} rows/s")
    print(f"Median apply:         {apply:.2f} s, {args.rows / apply:,.0f} rows/s")
    print(f"Median import total:  {parse + apply:.2f} s, {args.rows / (parse + apply):,.0f} rows/s")
    print(f"Median floor:         {floor:.2f} s, {args.rows / floor:,.0f} rows/s (csv.reader + bulk_create, no checks)")
    print(f"Peak Python memory of the parse: {traced['peak'] / 1e6:.1f} MB (file {size_mb:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
