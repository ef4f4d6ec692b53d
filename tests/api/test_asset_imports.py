"""Asset imports through the API: the same three steps as the import pages (upload, a
preview read by the worker, confirm), the same refusals with the same reasons, and never
a server error whatever the file holds. Celery runs in-process here; the on-commit
callbacks are run to let the queued parse and apply happen."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import Workbook
from rest_framework.test import APIClient

from assets.models import Asset, AssetImport, AssetImportRow
from tests.assets.support import make_asset
from tests.factories import make_agent, make_requester, make_supervisor

pytestmark = pytest.mark.django_db

URL = "/api/v1/asset-imports/"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture
def client():
    api = APIClient()
    api.force_authenticate(make_agent(1))
    return api


def csv_file(text: str, name: str = "assets.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def upload(client, upload_file, capture) -> dict:
    with capture(execute=True):
        response = client.post(URL, {"file": upload_file}, format="multipart")
    assert response.status_code == 202, response.content[:500]
    return response.json()


def rows(client, import_id: int, **query) -> list[dict]:
    response = client.get(f"{URL}{import_id}/rows/", query)
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


def test_an_import_goes_from_upload_to_preview_to_confirmed_assets(client, django_capture_on_commit_callbacks):
    make_asset("LAP-0001", name="Old name", location="Floor 1")
    text = (
        "Tag,Type,Name,Location,Notes\n"
        "LAP-0001,laptop,Old name,Floor 2,\n"
        'SRV-0001,server,"Server \'A\' ""quoted"" <b>&</b> 🖥",Rack 3,"line one\r\nline two"\n'
        "PRN-0001,printer,Printer,Floor 1,\n"
    )
    created = upload(client, csv_file(text), django_capture_on_commit_callbacks)
    assert created["status"] == "uploaded" and created["url"] == f"{URL}{created['id']}/"

    shown = client.get(f"{URL}{created['id']}/").json()
    assert shown["status"] == "previewed"
    assert (shown["creates"], shown["updates"], shown["unchanged"], shown["errors"]) == (2, 1, 0, 0)
    assert (shown["percent"], shown["running"]) == (100, False)
    preview = rows(client, created["id"])
    assert [(row["row_number"], row["action"], row["tag"]) for row in preview] == [
        (2, "update", "LAP-0001"),
        (3, "create", "SRV-0001"),
        (4, "create", "PRN-0001"),
    ]
    assert preview[0]["changes"] == {"Location": ["Floor 1", "Floor 2"]}
    assert rows(client, created["id"], action="error") == []
    assert not Asset.objects.filter(tag="SRV-0001").exists()

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"{URL}{created['id']}/confirm/")
    assert confirmed.status_code == 202, confirmed.content[:500]
    assert confirmed.json()["status"] == "confirmed"
    done = client.get(f"{URL}{created['id']}/").json()
    assert (done["status"], done["rows_applied"], done["running"]) == ("applied", 3, False)
    server = Asset.objects.get(tag="SRV-0001")
    assert server.name == "Server 'A' \"quoted\" <b>&</b> 🖥"
    assert server.notes == "line one\nline two"
    assert Asset.objects.get(tag="LAP-0001").location == "Floor 2"
    # A second confirmation writes nothing twice.
    again = client.post(f"{URL}{created['id']}/confirm/")
    assert again.status_code == 202 and again.json()["status"] == "applied"
    assert Asset.objects.count() == 3


def test_an_xlsx_file_is_imported_through_the_api_like_a_csv(client, django_capture_on_commit_callbacks):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Tag", "Type", "Name"])
    sheet.append(["SW-0001", "switch", "Core switch & 🔌"])
    content = io.BytesIO()
    workbook.save(content)
    created = upload(client, SimpleUploadedFile("assets.xlsx", content.getvalue()), django_capture_on_commit_callbacks)
    assert [row["tag"] for row in rows(client, created["id"])] == ["SW-0001"]


def test_a_broken_row_is_an_error_in_the_preview_and_confirming_is_refused_with_the_reason(
    client, django_capture_on_commit_callbacks
):
    text = "Tag,Type,IP address\nLAP-1,laptop,10.0.0.1\nLAP-2,toaster,10.0.0.999\n"
    created = upload(client, csv_file(text), django_capture_on_commit_callbacks)
    [broken] = rows(client, created["id"], action="error")
    assert (broken["row_number"], broken["tag"], broken["action"]) == (3, "LAP-2", "error")
    assert {problem["column"] for problem in broken["errors"]} == {"Type", "IP address"}
    assert all(problem["message"] for problem in broken["errors"])
    assert [row["tag"] for row in rows(client, created["id"], action="create")] == ["LAP-1"]

    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(f"{URL}{created['id']}/confirm/")
    assert refused.status_code == 400
    assert "Fix the 1 rows with errors" in refused.json()["error"]["message"]
    assert AssetImport.objects.get(pk=created["id"]).status == "previewed"
    assert not Asset.objects.exists()


def test_a_png_named_csv_fails_to_be_read_with_a_reason_and_cannot_be_confirmed(
    client, django_capture_on_commit_callbacks
):
    created = upload(client, SimpleUploadedFile("photo.csv", PNG, "text/csv"), django_capture_on_commit_callbacks)
    shown = client.get(f"{URL}{created['id']}/").json()
    assert shown["status"] == "failed" and shown["failure"]
    assert rows(client, created["id"]) == []
    refused = client.post(f"{URL}{created['id']}/confirm/")
    assert refused.status_code == 400 and "not ready" in refused.json()["error"]["message"]
    assert not Asset.objects.exists()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({}, "file"),
        ({"file": "Tag,Type\nA-1,laptop\n"}, "file"),
        ({"file": SimpleUploadedFile("assets.csv", b"")}, "empty"),
        ({"file": SimpleUploadedFile("photo.png", PNG, "image/png")}, ".csv or .xlsx"),
        ({"file": SimpleUploadedFile("assets", b"Tag\nA-1\n")}, ".csv or .xlsx"),
        ({"file": SimpleUploadedFile("'\"<>& 🔥.exe", b"Tag\nA-1\n")}, ".csv or .xlsx"),
    ],
)
def test_an_upload_that_is_not_an_asset_file_is_refused_and_nothing_is_stored(client, data, says):
    response = client.post(URL, data, format="multipart")
    assert response.status_code == 400, response.content[:500]
    error = response.json()["error"]
    assert "file" in error["fields"] and says in response.content.decode()
    assert not AssetImport.objects.exists()


@override_settings(HELPDESK_ASSET_IMPORT_MAX_MB=0.0001)
def test_a_file_past_the_size_limit_is_refused(client):
    response = client.post(URL, {"file": csv_file("Tag,Type\n" + "A-1,laptop\n" * 20)}, format="multipart")
    assert response.status_code == 400, response.content[:500]
    assert "larger than" in response.json()["error"]["fields"]["file"][0]
    assert not AssetImport.objects.exists()


def test_a_json_body_is_not_taken_for_an_upload(client):
    response = client.post(URL, {"file": "x"}, format="json")
    assert response.status_code == 415
    assert not AssetImport.objects.exists()


def test_an_unknown_action_filter_is_refused(client, django_capture_on_commit_callbacks):
    created = upload(client, csv_file("Tag,Type\nA-1,laptop\n"), django_capture_on_commit_callbacks)
    for action in ("bogus", "'\"<>& 🔥", "error\r\n"):
        response = client.get(f"{URL}{created['id']}/rows/", {"action": action})
        assert response.status_code == 400, response.content[:500]
        assert "action" in response.json()["error"]["fields"]


def test_the_preview_rows_are_read_a_page_at_a_time(client, django_capture_on_commit_callbacks):
    text = "Tag,Type\n" + "".join(f"A-{n:03d},laptop\n" for n in range(7))
    created = upload(client, csv_file(text), django_capture_on_commit_callbacks)
    first = client.get(f"{URL}{created['id']}/rows/", {"page_size": 5}).json()
    second = client.get(first["next"]).json()
    assert [row["tag"] for row in first["results"] + second["results"]] == [f"A-{n:03d}" for n in range(7)]
    assert second["next"] is None


def test_only_support_staff_reach_an_import(django_capture_on_commit_callbacks):
    staff = APIClient()
    staff.force_authenticate(make_supervisor())
    created = upload(staff, csv_file("Tag,Type\nA-1,laptop\n"), django_capture_on_commit_callbacks)
    requester = APIClient()
    requester.force_authenticate(make_requester())
    for path in (f"{URL}{created['id']}/", f"{URL}{created['id']}/rows/"):
        response = requester.get(path)
        assert response.status_code == 403 and b"A-1" not in response.content
    assert requester.post(f"{URL}{created['id']}/confirm/").status_code == 403
    refused = requester.post(URL, {"file": csv_file("Tag,Type\nB-1,laptop\n")}, format="multipart")
    assert refused.status_code == 403
    assert AssetImport.objects.count() == 1 and AssetImportRow.objects.count() == 1
    for path in (f"{URL}999999/", f"{URL}999999/rows/"):
        assert staff.get(path).status_code == 404
    assert staff.post(f"{URL}999999/confirm/").status_code == 404
    assert not Asset.objects.exists()
