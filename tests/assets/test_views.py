import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from assets.models import Asset, AssetImport, TicketAsset
from tests.api.permission_matrix import make_admin
from tests.assets.support import HEADER, make_asset, make_vendor
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_requesters_never_see_the_asset_pages():
    make_asset("LAP-1", name="Finance server")
    client = signed_in(make_requester())
    for path in ("/assets/", "/assets/LAP-1/", "/assets/new/", "/assets/export/", "/assets/import/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert b"Finance server" not in response.content


def test_the_nav_shows_assets_to_staff_only():
    assert b'href="/assets/"' in signed_in(make_agent(1)).get("/tickets/").content
    assert b'href="/assets/"' not in signed_in(make_requester()).get("/tickets/").content


@pytest.mark.parametrize("maker", [lambda: make_agent(1), make_supervisor, make_admin])
def test_staff_list_filter_and_open_assets(maker):
    vendor = make_vendor("PT Sinar")
    make_asset("LAP-1", name="ThinkPad", ip_address="10.0.0.5", mac_address="aa:bb:cc:dd:ee:01", vendor=vendor)
    make_asset("PRN-1", asset_type="printer", name="Printer lantai 2")
    client = signed_in(maker())
    page = client.get("/assets/", {"q": "AA-BB-CC-DD-EE-01"})
    assert page.status_code == 200
    assert [a.tag for a in page.context["page"]] == ["LAP-1"]
    assert [a.tag for a in client.get("/assets/", {"q": "10.0.0.5"}).context["page"]] == ["LAP-1"]
    assert [a.tag for a in client.get("/assets/", {"asset_type": "printer"}).context["page"]] == ["PRN-1"]
    assert [a.tag for a in client.get("/assets/", {"vendor": vendor.pk}).context["page"]] == ["LAP-1"]
    assert [a.tag for a in client.get("/assets/", {"sort": "-tag"}).context["page"]] == ["PRN-1", "LAP-1"]
    assert client.get("/assets/lap-1/").status_code == 200


def test_the_list_is_a_constant_number_of_queries(django_assert_max_num_queries):
    client = signed_in(make_agent(1))
    server = make_asset("SRV-1", asset_type="server")
    vendor = make_vendor()
    client.get("/assets/")  # warm the session and permission caches
    for n in range(5):
        make_asset(f"VM-{n}", asset_type="vm", parent=server, user=make_requester(), vendor=vendor)
    with django_assert_max_num_queries(12) as few:
        client.get("/assets/")
    for n in range(5, 60):
        make_asset(f"VM-{n}", asset_type="vm", parent=server, user=make_requester(), vendor=vendor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/assets/").status_code == 200


def test_the_asset_page_shows_its_parts_parent_and_ticket_history_newest_first(django_assert_max_num_queries):
    client = signed_in(make_agent(1))
    server = make_asset("SRV-1", asset_type="server")
    vm = make_asset("VM-1", asset_type="vm", parent=server)
    old, new = TicketFactory(subject="Old problem"), TicketFactory(subject="New problem")
    Ticket.objects.filter(pk=old.pk).update(created_at="2025-01-01T00:00:00Z")
    for ticket in (old, new):
        TicketAsset.objects.create(ticket=ticket, asset=vm)
    page = client.get("/assets/VM-1/")
    assert page.context["asset"].parent == server
    assert [t.subject for t in page.context["history"]] == ["New problem", "Old problem"]
    assert [c.tag for c in client.get("/assets/SRV-1/").context["children"]] == ["VM-1"]
    client.get("/assets/VM-1/")
    for _n in range(10):
        TicketAsset.objects.create(ticket=TicketFactory(), asset=vm)
    with django_assert_max_num_queries(12):
        client.get("/assets/VM-1/")


def test_an_agent_creates_and_retires_an_asset_with_clear_messages():
    client = signed_in(make_agent(1))
    make_asset("LAP-1")
    refused = client.post(
        "/assets/new/",
        {"tag": "lap-1", "asset_type": "laptop", "status": "in_use", "mac_address": "zz", "ip_address": "1.2.3.999"},
    )
    assert refused.status_code == 400
    form = refused.context["form"]
    assert "MAC" in str(form.errors["mac_address"]) and "IP" in str(form.errors["ip_address"])
    refused = client.post("/assets/new/", {"tag": "lap-1", "asset_type": "laptop", "status": "in_use"})
    assert "already has the tag" in str(refused.context["form"].errors["tag"])
    created = client.post(
        "/assets/new/",
        {
            "tag": "LAP-2",
            "asset_type": "laptop",
            "status": "in_use",
            "name": "O'Brien <b>&</b> 🙂",
            "mac_address": "AABBCCDDEEFF",
        },
    )
    assert created.status_code == 302
    asset = Asset.objects.get(tag="LAP-2")
    assert asset.mac_address == "aa:bb:cc:dd:ee:ff" and asset.name == "O'Brien <b>&</b> 🙂"
    retired = client.post("/assets/LAP-2/edit/", {"tag": "LAP-2", "asset_type": "laptop", "status": "retired"})
    assert retired.status_code == 302
    asset.refresh_from_db()
    assert asset.status == "retired"
    loop = client.post(
        "/assets/LAP-2/edit/", {"tag": "LAP-2", "asset_type": "laptop", "status": "in_use", "parent_tag": "lap-2"}
    )
    assert "part of itself" in str(loop.context["form"].errors["parent_tag"])


def test_the_requester_sees_the_names_of_the_devices_on_their_ticket_read_only():
    ticket = TicketFactory(level=1)
    make_asset("LAP-7", name="Rina's ThinkPad", user=ticket.requester, notes="BIOS password: secret")
    TicketAsset.objects.create(ticket=ticket, asset=Asset.objects.get(tag="LAP-7"))
    panel = signed_in(ticket.requester).get(f"/assets/tickets/{ticket.reference}/")
    assert panel.status_code == 200
    assert "Rina&#x27;s ThinkPad" in panel.content.decode()
    assert b"form-asset-add" not in panel.content and b"Remove" not in panel.content
    assert b"/assets/LAP-7/" not in panel.content and b"secret" not in panel.content
    assert signed_in(make_requester()).get(f"/assets/tickets/{ticket.reference}/").status_code == 404
    staff_panel = signed_in(make_agent(1)).get(f"/assets/tickets/{ticket.reference}/")
    assert b"form-asset-add" in staff_panel.content


def test_staff_add_a_device_by_tag_with_htmx_and_an_unknown_tag_is_an_error_not_a_500():
    ticket = TicketFactory(level=2)
    make_asset("LAP-7")
    client = signed_in(make_agent(2))
    unknown = client.post(f"/assets/tickets/{ticket.reference}/add/", {"tag": "NOPE-9"}, headers={"HX-Request": "true"})
    # htmx swaps only successful answers: the panel comes back with the error in it.
    assert unknown.status_code == 200
    assert "No asset has the tag" in unknown.content.decode()
    assert not TicketAsset.objects.exists()
    added = client.post(f"/assets/tickets/{ticket.reference}/add/", {"tag": "lap-7"}, headers={"HX-Request": "true"})
    assert added.status_code == 200 and b"LAP-7" in added.content
    assert TicketAsset.objects.filter(ticket=ticket).count() == 1
    # Without JavaScript, the ticket page again with the outcome.
    removed = client.post(f"/assets/tickets/{ticket.reference}/remove/", {"tag": "LAP-7"})
    assert removed.status_code == 302 and removed["Location"] == ticket.get_absolute_url()
    assert not TicketAsset.objects.exists()


def test_the_ticket_page_loads_the_device_panel():
    ticket = TicketFactory()
    page = signed_in(ticket.requester).get(ticket.get_absolute_url())
    assert f"/assets/tickets/{ticket.reference}/".encode() in page.content


def test_the_new_ticket_form_asks_which_of_the_requester_s_devices():
    rina = make_requester()
    mine = make_asset("LAP-1", name="My laptop", user=rina)
    make_asset("LAP-2", name="Retired laptop", user=rina, status="retired")
    make_asset("LAP-3", name="Someone else's", user=make_requester())
    client = signed_in(rina)
    page = client.get("/tickets/new/")
    choices = [label for _value, label in page.context["form"].fields["asset"].choices]
    assert [str(label) for label in choices[1:]] == [str(mine)]
    filed = client.post(
        "/tickets/new/",
        {"subject": "Screen", "description": "Flickers", "impact": "low", "urgency": "low", "asset": mine.pk},
    )
    assert filed.status_code == 302
    assert list(Ticket.objects.get().asset_links.values_list("asset__tag", flat=True)) == ["LAP-1"]
    other = Asset.objects.get(tag="LAP-3")
    refused = client.post(
        "/tickets/new/", {"subject": "Screen", "description": "x", "impact": "low", "urgency": "low", "asset": other.pk}
    )
    assert refused.status_code == 400
    assert Ticket.objects.count() == 1


def test_export_streams_the_filtered_list_as_csv_and_xlsx():
    make_asset("LAP-1", name='=HYPERLINK("x")', mac_address="aa:bb:cc:dd:ee:01")
    make_asset("PRN-1", asset_type="printer")
    client = signed_in(make_agent(1))
    response = client.get("/assets/export/", {"format": "csv", "asset_type": "laptop"})
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == HEADER.split(",")
    assert [row[0] for row in rows[1:]] == ["LAP-1"]
    assert rows[1][2].startswith("'=")  # a formula is written as text
    response = client.get("/assets/export/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["Tag", "LAP-1", "PRN-1"]


def test_the_export_imports_back_unchanged(django_capture_on_commit_callbacks):
    make_asset("LAP-1", name="ThinkPad", purchase_date="2025-01-02", ip_address="10.0.0.1")
    client = signed_in(make_agent(1))
    exported = b"".join(client.get("/assets/export/", {"format": "csv"}).streaming_content)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/assets/import/", {"file": SimpleUploadedFile("back.csv", exported)})
    created = AssetImport.objects.get()
    assert response["Location"] == f"/assets/import/{created.pk}/"
    created.refresh_from_db()
    assert (created.unchanged, created.creates, created.updates, created.errors) == (1, 0, 0, 0)


def test_the_preview_lists_errors_first_and_refuses_to_confirm(django_capture_on_commit_callbacks):
    client = signed_in(make_agent(1))
    text = HEADER + "\nLAP-1,laptop,x,,,,,,,,,,,,,,,,,,\nLAP-2,toaster,y,,,,,,,,,,,,,,,,,,\n"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/assets/import/", {"file": SimpleUploadedFile("a.csv", text.encode())})
    created = AssetImport.objects.get()
    page = client.get(f"/assets/import/{created.pk}/")
    body = page.content.decode()
    assert "Unknown type" in body and body.index("import-errors") < body.index("import-sample")
    refused = client.post(f"/assets/import/{created.pk}/confirm/")
    assert refused.status_code == 409
    assert not Asset.objects.exists()
    progress = client.get(f"/assets/import/{created.pk}/progress/", headers={"HX-Request": "true"})
    assert progress["HX-Refresh"] == "true"
