"""Assets in the browser: an agent adds a device to a ticket by its tag (an unknown tag
said so in place), the requester reads its name on their ticket; an import with a broken
row shows its errors and cannot be confirmed, the corrected file is previewed, confirmed
and written; the list is exported with its filter."""

import pytest
from playwright.sync_api import expect

from assets.models import Asset
from tests.assets.support import make_asset
from tests.factories import TicketFactory, make_agent, make_requester

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "Tag,Type,Name,MAC address,Used by,Part of\n"


def test_an_agent_adds_a_device_by_tag_and_the_requester_reads_its_name(helpdesk):
    rina = make_requester(username="rina")
    ticket = TicketFactory(level=1, requester=rina)
    make_asset("LAP-0042", name="ThinkPad — Rina", user=rina)
    helpdesk.sign_in(make_agent(1))
    page = helpdesk.open(ticket.get_absolute_url())
    panel = page.get_by_test_id("ticket-assets")
    panel.get_by_label("Asset tag").fill("NOPE-1")
    panel.get_by_role("button", name="Add device").click()
    expect(page.get_by_test_id("asset-error")).to_contain_text("No asset has the tag “NOPE-1”.")
    page.get_by_test_id("ticket-assets").get_by_label("Asset tag").fill("lap-0042")
    page.get_by_test_id("ticket-assets").get_by_role("button", name="Add device").click()
    expect(page.get_by_test_id("ticket-asset")).to_contain_text("LAP-0042")
    helpdesk.sign_out()
    helpdesk.sign_in(rina)
    page = helpdesk.open(ticket.get_absolute_url())
    expect(page.get_by_test_id("ticket-asset")).to_have_text("ThinkPad — Rina")
    expect(page.locator("#form-asset-add")).to_have_count(0)
    expect(page.get_by_test_id("event-asset_added")).to_contain_text("added the device LAP-0042")


def test_an_import_with_a_broken_row_saves_nothing_and_the_corrected_one_is_written(helpdesk, tmp_path):
    make_requester(username="siti")
    make_asset("SRV-0001", asset_type="server", name="Host")
    helpdesk.sign_in(make_agent(2))
    broken = tmp_path / "assets.csv"
    broken.write_text(HEADER + "IMP-1,laptop,A,AA-BB-CC-00-00-01,siti,\nIMP-2,toaster,B,xx,nobody,NOPE\n")
    page = helpdesk.open("/assets/import/")
    page.get_by_label("CSV or XLSX file").set_input_files(str(broken))
    page.get_by_role("button", name="Upload and preview").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("Unknown type “toaster”.")
    expect(errors).to_contain_text("No one has the user name or email “nobody”.")
    expect(page.get_by_role("button", name="Confirm import")).to_be_disabled()
    assert not Asset.objects.filter(tag__startswith="IMP-").exists()

    fixed = tmp_path / "fixed.csv"
    fixed.write_text(HEADER + "IMP-1,laptop,A,AA-BB-CC-00-00-01,siti,\nIMP-2,vm,B,,,SRV-0001\n")
    page = helpdesk.open("/assets/import/")
    page.get_by_label("CSV or XLSX file").set_input_files(str(fixed))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_test_id("import-counts")).to_contain_text("2 to create")
    page.get_by_test_id("confirm-import").click()
    expect(page.get_by_test_id("import-applied")).to_contain_text("Imported: 2 assets written.")
    assert Asset.objects.get(tag="IMP-2").parent.tag == "SRV-0001"
    assert Asset.objects.get(tag="IMP-1").mac_address == "aa:bb:cc:00:00:01"

    page = helpdesk.open("/assets/?q=IMP")
    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    exported = open(download.value.path(), encoding="utf-8-sig").read().splitlines()
    assert [line.split(",")[0] for line in exported] == ["Tag", "IMP-1", "IMP-2"]
