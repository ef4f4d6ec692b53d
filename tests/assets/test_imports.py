import io
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from assets import services
from assets.exceptions import AssetError
from assets.models import Asset, AssetImport, AssetImportRow
from assets.services import imports
from tests.assets.support import HEADER, make_asset, make_vendor
from tests.factories import make_agent, make_requester

pytestmark = pytest.mark.django_db


def upload(text: str, name: str = "assets.csv", by=None):
    by = by or make_agent(1)
    return services.asset_import_upload(by=by, upload=SimpleUploadedFile(name, text.encode("utf-8")))


def fresh(asset_import) -> AssetImport:
    return AssetImport.objects.get(pk=asset_import.pk)


def problems(asset_import) -> list[tuple[int, str, str]]:
    return [
        (row.row_number, problem["column"], problem["message"])
        for row in AssetImportRow.objects.filter(asset_import=asset_import, action="error")
        for problem in row.problems
    ]


def test_a_file_with_a_broken_row_is_previewed_and_nothing_is_saved(django_capture_on_commit_callbacks):
    rina = make_requester(username="rina")
    csv_text = "\n".join(
        [
            HEADER,
            "LAP-1,laptop,ThinkPad,Lenovo,T14,SN1,lap-1,10.0.0.1,AA-BB-CC-DD-EE-01,Floor 3,rina,in_use,2025-01-10,15000000,2028-01-10,,,,,,",
            "LAP-2,toaster,Bad type,,,,,10.0.0.999,zz,,nobody,in_use,31/02/2025,,,Nobody Ltd,NOPE,,,,",
            "LAP-1,laptop,Duplicate,,,,,,,,,,,,,,,,,,",
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        created = upload(csv_text)
    done = fresh(created)
    assert done.status == "previewed"
    assert (done.creates, done.errors) == (1, 2)
    found = problems(done)
    columns = {(number, column) for number, column, _message in found}
    assert {(3, "Type"), (3, "IP address"), (3, "MAC address"), (3, "Used by"), (3, "Purchase date")} <= columns
    assert {(3, "Vendor"), (3, "Part of"), (4, "Tag")} <= columns
    assert not Asset.objects.exists()
    # Confirming is refused while any row has an error; still nothing is saved.
    with pytest.raises(AssetError):
        services.asset_import_confirm(import_id=done.pk, by=make_agent(1))
    assert not Asset.objects.exists()
    assert rina.assets.count() == 0


def test_a_clean_file_is_applied_once_with_parents_from_earlier_rows(django_capture_on_commit_callbacks):
    make_requester(username="rina", email="rina@example.co.id")
    make_vendor("PT Sinar")
    existing = make_asset("SRV-0", asset_type="server", name="Old name", location="DC1")
    csv_text = "\n".join(
        [
            HEADER,
            "SRV-1,server,Host,Dell,R740,SN9,srv-1,10.0.0.10,aabb.ccdd.ee10,DC1,,in_use,2024-01-01,,2027-01-01,pt sinar,,,,,",
            "VM-1,Virtual machine,Mail VM,,,,vm-1,10.0.0.11,,DC1,RINA@example.co.id,in_use,,,,,SRV-1,,,,",
            "srv-0,server,New name,,,,,,,DC1,,,,,,,,,,,",
            "LIC-1,licence,Office,,,,,,,,,,,,,,,50,10,2027-06-30,",
        ]
    )
    agent = make_agent(1)
    with django_capture_on_commit_callbacks(execute=True):
        created = upload(csv_text, by=agent)
    preview = fresh(created)
    assert (preview.creates, preview.updates, preview.errors) == (3, 1, 0), problems(preview)
    update = AssetImportRow.objects.get(asset_import=preview, action="update")
    assert update.changes["Name"] == ["Old name", "New name"]
    assert Asset.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.asset_import_confirm(import_id=preview.pk, by=agent)
        # A second confirmation queues nothing more.
        services.asset_import_confirm(import_id=preview.pk, by=agent)
    assert fresh(preview).status == "applied"
    assert Asset.objects.count() == 4
    vm = Asset.objects.get(tag="VM-1")
    assert vm.parent.tag == "SRV-1"
    assert vm.user.username == "rina"
    assert Asset.objects.get(tag="SRV-1").mac_address == "aa:bb:cc:dd:ee:10"
    existing.refresh_from_db()
    assert existing.name == "New name"
    assert Asset.objects.get(tag="LIC-1").seats_owned == 50
    assert existing.location == "DC1"  # a field the file does not change stays as it was
    # Applying again (a redelivered task) writes nothing twice.
    imports.asset_import_apply(import_id=preview.pk)
    assert Asset.objects.count() == 4


def test_an_update_writes_only_what_the_file_changes_even_if_the_asset_changed_since(
    django_capture_on_commit_callbacks,
):
    asset = make_asset("LAP-5", name="Old", location="Floor 1")
    agent = make_agent(1)
    with django_capture_on_commit_callbacks(execute=True):
        created = upload("Tag,Name\nLAP-5,New\n", by=agent)
    assert fresh(created).updates == 1
    services.asset_update(asset_id=asset.pk, by=agent, values={"location": "Floor 9"})  # someone else, meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        services.asset_import_confirm(import_id=created.pk, by=agent)
    asset.refresh_from_db()
    assert (asset.name, asset.location) == ("New", "Floor 9")


def test_indonesian_headers_and_labels_are_accepted(django_capture_on_commit_callbacks):
    csv_text = "Tag aset;Jenis;Nama;Status;Garansi berakhir\nPRN-1;Printer;Printer lantai 2;Dipakai;31/12/2027\n"
    with django_capture_on_commit_callbacks(execute=True):
        created = upload(csv_text)
    row = AssetImportRow.objects.get(asset_import=created)
    assert row.action == "create", row.problems
    assert row.values["asset_type"] == "printer"
    assert row.values["warranty_ends_on"] == "2027-12-31"


def test_an_xlsx_file_is_read_like_a_csv(django_capture_on_commit_callbacks):
    import datetime

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Tag", "Type", "Name", "Purchase date", "Seats owned"])
    sheet.append(["AP-1", "access_point", "Lobby AP", datetime.datetime(2025, 3, 1), None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with django_capture_on_commit_callbacks(execute=True):
        created = services.asset_import_upload(
            by=make_agent(1), upload=SimpleUploadedFile("inventaris.xlsx", buffer.getvalue())
        )
    row = AssetImportRow.objects.get(asset_import=created)
    assert row.action == "create", row.problems
    assert row.values["purchase_date"] == "2025-03-01"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "a.csv", "empty"),
        (b"x", "a.exe", ".csv or .xlsx"),
    ],
)
def test_a_file_that_is_not_one_is_refused_at_upload(content, name, message):
    with pytest.raises(AssetError) as refused:
        services.asset_import_upload(by=make_agent(1), upload=SimpleUploadedFile(name, content))
    assert message in refused.value.message
    assert not AssetImport.objects.exists()


@pytest.mark.parametrize(
    "content",
    [b"Name,Location\nx,y\n", "\u202e<script>,&\n".encode(), b"\xff\xfe\x00garbage", b"PK\x03\x04not a zip"],
)
def test_a_file_without_a_tag_column_or_unreadable_fails_with_a_reason(content, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = upload(content.decode("latin-1"), name="a.xlsx" if content.startswith(b"PK") else "a.csv")
    done = fresh(created)
    assert done.status == "failed"
    assert done.failure
    assert not AssetImportRow.objects.filter(asset_import=done).exists()


def test_hostile_cells_are_errors_or_text_never_a_crash(django_capture_on_commit_callbacks):
    long = "é" * 250
    csv_text = (
        "Tag,Type,Name,Notes,Seats owned\n"
        f'"A-1",laptop,"\'"" <b>&</b> 🙂","line1\r\nline2",\n'
        f"A-2,laptop,{long},,\n"
        "A 3,laptop,x,,\n"
        "A-4,laptop,x,,-1\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        created = upload(csv_text)
    rows = {row.tag or row.row_number: row for row in AssetImportRow.objects.filter(asset_import=created)}
    assert rows["A-1"].action == "create"
    assert rows["A-1"].values["name"] == "'\" <b>&</b> 🙂"
    assert rows["A-2"].action == "error"  # a name of 250 characters is over the 200 allowed
    assert rows[4].action == "error"  # a tag with a space
    assert rows["A-4"].action == "error"


def test_a_50000_row_file_is_parsed_a_batch_at_a_time(django_capture_on_commit_callbacks, tmp_path, monkeypatch):
    """The parse holds one batch of rows at a time: its peak memory stays far below what
    the rows would take all at once, and the rows reach the database in batches."""
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("Tag,Type,Name,Location,Serial number,Notes\n")
        for n in range(50_000):
            out.write(f"BIG-{n:06d},laptop,Laptop number {n},Gedung {n % 40},SN-{n:08d},{'x' * 60}\n")
    file_size = path.stat().st_size
    agent = make_agent(1)
    created = AssetImport.objects.create(
        uploaded_by=agent, original_name="big.csv", stored_path=str(path), file_format="csv"
    )
    batch_sizes = []
    original = imports._parse_batch

    def counting(asset_import, reader, batch, counts):
        batch_sizes.append(len(batch))
        return original(asset_import, reader, batch, counts)

    monkeypatch.setattr(imports, "_parse_batch", counting)
    tracemalloc.start()
    imports.asset_import_parse(import_id=created.pk)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    done = fresh(created)
    assert done.creates == 50_000
    assert max(batch_sizes) == imports.BATCH_SIZE
    assert len(batch_sizes) == 50
    # All 50,000 rows as Python lists would take several times the file's size (≈6 MB);
    # one batch, the tags seen and the query buffers stay well under it.
    assert peak < file_size * 2, (peak, file_size)
