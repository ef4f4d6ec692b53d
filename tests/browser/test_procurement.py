"""Repair or replace, in the browser, in English and in Bahasa Indonesia: an agent files a
component report on a ticket, the supervisor approves the replacement, the procurement
request is approved twice (its total is above the second-approval amount), ordered and
received; the new asset takes the old one's user and place, the old one is retired, and
the ticket's requester reads only where it stands."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from assets.choices import AssetStatus
from assets.models import Asset
from procurement.models import ProcurementRequest
from tests.api.permission_matrix import make_admin
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets.choices import Status
from vendors.models import Vendor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "report": "Report a faulty component",
        "filed": "Component report filed",
        "first": "Waiting for a second approval",
        "approved": "Approved",
        "ordered": "Ordered",
        "received": "Received",
        "retired": "Retired",
        "in use": "In use",
        "requester": "Replacement of LT-0042 received.",
        "print": "Procurement request",
        "amount": "12,500,000.00",
    },
    "id": {
        "report": "Laporkan komponen rusak",
        "filed": "Laporan komponen dikirim",
        "first": "Menunggu persetujuan kedua",
        "approved": "Disetujui",
        "ordered": "Dipesan",
        "received": "Diterima",
        "retired": "Dipensiunkan",
        "in use": "Dipakai",
        "requester": "Pengganti LT-0042 sudah diterima.",
        "print": "Permintaan pengadaan",
        "amount": "12.500.000,00",
    },
}


def _as(helpdesk, person) -> None:
    helpdesk.page.context.clear_cookies()
    helpdesk.sign_in(person)


@pytest.mark.parametrize("language", ["en", "id"])
def test_a_component_is_replaced_from_report_to_receipt(helpdesk, settings, language, artefacts):
    settings.HELPDESK_PROCUREMENT_SECOND_APPROVAL_AMOUNT = Decimal("10000000")
    words = WORDS[language]
    requester = make_requester(username="rina", first_name="Rina", language=language)
    agent = make_agent(1, username="andi", first_name="Andi", language=language)
    supervisor = make_supervisor(username="dewi", first_name="Dewi", language=language)
    admin = make_admin()
    admin.language = language
    admin.save(update_fields=["language"])
    ticket = TicketFactory(requester=requester, status=Status.OPEN, level=1, subject="Laptop mati")
    old = Asset.objects.create(tag="LT-0042", asset_type="laptop", name="ThinkPad", user=requester, location="Lantai 3")
    vendor = Vendor.objects.create(name="PT Sumber Komputer")
    page = helpdesk.page

    # The agent files the report on the ticket's page.
    _as(helpdesk, agent)
    helpdesk.open(ticket.get_absolute_url())
    panel = page.get_by_test_id("component-reports")
    panel.get_by_text(words["report"]).click()
    page.locator("#id_asset_tag").fill("lt-0042")
    page.locator("#id_fault").fill('Motherboard "mati" & <layar> hitam 🔥')
    page.locator("#id_recommendation").select_option("replace")
    page.locator("#id_estimated_cost").fill("12500000")
    page.locator("#component-report-form [type=submit]").click()
    expect(helpdesk.success(words["filed"])).to_be_visible()
    expect(page.get_by_test_id("component-report")).to_contain_text(words["amount"])

    # The supervisor approves the replacement: a procurement request opens from the report.
    _as(helpdesk, supervisor)
    helpdesk.open("/component-reports/")
    waiting = page.get_by_test_id("waiting-report").filter(has_text="LT-0042")
    waiting.locator("select[name=decision]").select_option("replace")
    waiting.locator("[type=submit]").click()
    procurement = ProcurementRequest.objects.get()
    expect(page.get_by_test_id("reference")).to_have_text(procurement.reference)
    expect(page.get_by_test_id("total")).to_contain_text(words["amount"])
    # First approval; the total is above the amount, so a second approver is needed.
    page.locator("#approve-form [type=submit]").click()
    expect(page.get_by_test_id("procurement-status")).to_have_text(words["first"])
    expect(page.locator("#approve-form")).to_have_count(0)  # not twice by the same person

    # The administrator gives the second approval, orders and receives it.
    _as(helpdesk, admin)
    helpdesk.open(procurement.get_absolute_url())
    page.locator("#approve-form [type=submit]").click()
    expect(page.get_by_test_id("procurement-status")).to_have_text(words["approved"])
    page.locator("#id_supplier").select_option(str(vendor.pk))
    page.locator("#id_order_reference").fill("PO-2026-17")
    page.locator("#id_expected_on").fill("2026-12-12")
    page.locator("#order-form [type=submit]").click()
    expect(page.get_by_test_id("procurement-status")).to_have_text(words["ordered"])
    item = procurement.items.get()
    page.locator(f"#id_item_{item.pk}_tag").fill("LT-0100")
    expect(page.locator(f"#id_item_{item.pk}_type")).to_have_value("laptop")
    page.locator(f"#id_item_{item.pk}_serial").fill("SN-PF3X")
    page.locator("#id_resolve_tickets").check()
    page.locator("#id_resolution").fill("Laptop diganti.")
    page.locator("#receive-form [type=submit]").click()
    expect(page.get_by_test_id("procurement-status")).to_have_text(words["received"])
    received = page.get_by_test_id("received-asset")
    expect(received).to_contain_text("LT-0100")
    expect(received).to_contain_text("Rina")
    expect(received).to_contain_text("Lantai 3")
    expect(page.get_by_test_id("replaced-asset")).to_contain_text("LT-0042")
    expect(page.get_by_test_id("replaced-asset")).to_contain_text(words["retired"])
    expect(received).to_contain_text(words["in use"])
    page.screenshot(path=artefacts / f"procurement-{language}.png", full_page=True)

    old.refresh_from_db()
    new = Asset.objects.get(tag="LT-0100")
    assert (old.status, new.status, new.user, new.location, new.serial_number) == (
        AssetStatus.RETIRED,
        AssetStatus.IN_USE,
        requester,
        "Lantai 3",
        "SN-PF3X",
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED

    # The printable form, in the language asked for.
    helpdesk.open(f"{procurement.get_absolute_url()}print/?language={language}")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["print"])
    expect(page.get_by_test_id("print-approvals")).to_contain_text("Dewi")
    page.emulate_media(media="print")
    expect(page.locator("nav")).to_be_hidden()
    page.emulate_media(media="screen")

    # The ticket's requester reads where it stands, never the cost.
    _as(helpdesk, requester)
    helpdesk.open(ticket.get_absolute_url())
    status = page.get_by_test_id("requester-status")
    expect(status).to_contain_text(words["requester"])
    expect(page.get_by_test_id("component-reports")).not_to_contain_text("12")
