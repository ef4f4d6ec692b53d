from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.choices import AssetStatus
from assets.models import Asset
from procurement import services
from procurement.choices import ProcurementStatus
from procurement.models import ComponentReport, ProcurementRequest

from .support import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.HELPDESK_PROCUREMENT_SECOND_APPROVAL_AMOUNT = Decimal("10000000")
    return World()


def _panel(client, world, person):
    client.force_login(person)
    return client.get(f"/tickets/{world.ticket.reference}/component-reports/")


def test_an_agent_files_a_report_from_the_ticket_page(client, world):
    client.force_login(world.agent)
    response = client.post(
        f"/tickets/{world.ticket.reference}/component-reports/new/",
        {"asset_tag": "LT-0042", "fault": "Dead", "recommendation": "replace", "estimated_cost": "4500000"},
    )
    assert response.status_code == 302 and response["Location"] == world.ticket.get_absolute_url()
    panel = _panel(client, world, world.agent).content.decode()
    assert "LT-0042" in panel and "4,500,000.00" in panel


def test_an_unknown_tag_is_shown_as_a_clear_error(client, world):
    client.force_login(world.agent)
    response = client.post(
        f"/tickets/{world.ticket.reference}/component-reports/new/",
        {"asset_tag": "NOPE<b>", "fault": "Dead", "recommendation": "replace", "estimated_cost": "1"},
    )
    assert response.status_code == 409
    assert "No asset has the tag “NOPE&lt;b&gt;”." in response.content.decode()
    assert ComponentReport.objects.count() == 0


def test_a_negative_cost_is_refused_by_the_form(client, world):
    client.force_login(world.agent)
    response = client.post(
        f"/tickets/{world.ticket.reference}/component-reports/new/",
        {"asset_tag": "LT-0042", "fault": "Dead", "recommendation": "replace", "estimated_cost": "-5"},
    )
    assert response.status_code == 400
    assert ComponentReport.objects.count() == 0


def test_the_ticket_s_requester_sees_the_status_but_never_costs_or_reasons(client, world):
    report = world.report()
    report = services.component_report_decide(
        report_id=report.pk, by=world.supervisor, decision="replace", reason="Secret budget reason"
    )
    procurement = report.procurement
    services.procurement_approve(request_id=procurement.pk, by=world.supervisor_2, reason="Internal note xyz")
    services.procurement_order(
        request_id=procurement.pk,
        by=world.agent,
        supplier_id=world.vendor.pk,
        order_reference="PO-77",
        expected_on=date(2026, 12, 12),
    )
    page = _panel(client, world, world.requester).content.decode()
    assert "Replacement of LT-0042 approved, ordered, expected 12 Dec." in page
    for secret in ("4,500,000", "4500000", "IDR", "Secret budget reason", "Internal note xyz", "PO-77", "Motherboard"):
        assert secret not in page
    # Another requester cannot see the ticket at all; the procurement pages are staff only.
    other = World.__new__(World)
    from tests.factories import make_requester

    other_requester = make_requester(username="siti")
    client.force_login(other_requester)
    assert client.get(f"/tickets/{world.ticket.reference}/component-reports/").status_code == 404
    client.force_login(world.requester)
    for path in (
        "/procurement/",
        f"/procurement/{procurement.reference}/",
        f"/procurement/{procurement.reference}/print/",
        "/component-reports/",
    ):
        assert client.get(path).status_code == 403
    del other


def test_the_detail_page_offers_each_person_only_the_steps_they_may_take(client, world):
    procurement = world.request()
    client.force_login(world.agent)
    page = client.get(procurement.get_absolute_url()).content.decode()
    assert 'id="approve-form"' not in page and 'id="cancel-form"' in page
    client.force_login(world.supervisor)
    page = client.get(procurement.get_absolute_url()).content.decode()
    assert 'id="approve-form"' in page and 'id="reject-form"' in page
    # Posting the step anyway is refused and changes nothing.
    client.force_login(world.agent)
    response = client.post(f"/procurement/{procurement.reference}/approve/", {"reason": ""})
    assert response.status_code == 403
    assert ProcurementRequest.objects.get(pk=procurement.pk).status == ProcurementStatus.SUBMITTED


def test_the_whole_way_through_the_pages(client, world):
    client.force_login(world.agent)
    response = client.post(
        "/procurement/new/",
        {
            "item_1_description": "Laptop",
            "item_1_quantity": "2",
            "item_1_unit_cost": "7000000",
            "item_1_replaces": "LT-0042",
            "reason": "Broken",
            "tickets": world.ticket.reference,
        },
    )
    procurement = ProcurementRequest.objects.get()
    assert response["Location"] == procurement.get_absolute_url()
    assert procurement.total == Decimal("14000000.00")
    ref = procurement.reference
    client.force_login(world.supervisor)
    assert client.post(f"/procurement/{ref}/approve/", {"reason": ""}).status_code == 302
    assert client.post(f"/procurement/{ref}/approve/", {"reason": ""}).status_code == 403  # the same person again
    client.force_login(world.admin)
    assert client.post(f"/procurement/{ref}/approve/", {"reason": "ok"}).status_code == 302
    client.force_login(world.agent)
    response = client.post(
        f"/procurement/{ref}/order/",
        {"supplier": world.vendor.pk, "order_reference": "PO-1", "expected_on": "2026-12-12"},
    )
    assert response.status_code == 302
    item = procurement.items.get()
    response = client.post(
        f"/procurement/{ref}/receive/",
        {f"item_{item.pk}_tag": "LT-0200", f"item_{item.pk}_type": "laptop", f"item_{item.pk}_serial": "S1"},
    )
    assert response.status_code == 302
    assert Asset.objects.get(tag="LT-0042").status == AssetStatus.RETIRED
    page = client.get(procurement.get_absolute_url()).content.decode()
    assert "LT-0200 · Laptop · In use" in page
    assert (
        client.post(
            f"/procurement/{ref}/receive/", {f"item_{item.pk}_tag": "LT-0201", f"item_{item.pk}_type": "laptop"}
        ).status_code
        == 409
    )


def test_the_printable_form_is_in_the_language_asked_for(client, world):
    procurement = world.request(unit_cost="1234567.5", quantity=2)
    services.procurement_approve(request_id=procurement.pk, by=world.supervisor)
    client.force_login(world.agent)
    english = client.get(f"/procurement/{procurement.reference}/print/?language=en").content.decode()
    indonesian = client.get(f"/procurement/{procurement.reference}/print/?language=id").content.decode()
    assert "Procurement request" in english and "2,469,135.00" in english and "Signature" in english
    assert "Permintaan pengadaan" in indonesian and "2.469.135,00" in indonesian and "Tanda tangan" in indonesian
    assert "Dewi" in english and "@media print" not in english  # print rules are in the stylesheet
    assert client.get(f"/procurement/{procurement.reference}/print/?language=<x>").status_code == 200


def test_the_list_costs_the_same_queries_whatever_it_holds(client, world, django_assert_max_num_queries):
    client.force_login(world.supervisor)
    world.request()
    with CaptureQueriesContext(connection) as one:
        assert client.get("/procurement/").status_code == 200
    for _ in range(5):
        world.request(by=world.agent_l2)
    with CaptureQueriesContext(connection) as six:
        assert client.get("/procurement/?status=submitted").status_code == 200
    assert len(six) == len(one)


def test_the_list_filters_by_status_requester_supplier_and_period(client, world):
    mine = world.request()
    other = world.request(by=world.agent_l2, submit=False)
    client.force_login(world.supervisor)

    def table(path):
        return client.get(path).content.decode().split('data-testid="procurement-table"')[1]

    page = table("/procurement/?status=draft")
    assert other.reference in page and f">{mine.reference}<" not in page
    page = table(f"/procurement/?requested_by={world.agent.pk}")
    assert f">{mine.reference}<" in page and f">{other.reference}<" not in page
    page = table("/procurement/?since=2999-01-01")
    assert f">{mine.reference}<" not in page
    assert client.get("/procurement/?supplier=abc&since=x&requested_by=%3Cb%3E").status_code == 200


def test_the_reports_waiting_for_a_supervisor_s_decision(client, world):
    report = world.report()
    client.force_login(world.supervisor)
    page = client.get("/component-reports/").content.decode()
    assert "Waiting for your decision" in page and "LT-0042" in page
    response = client.post(f"/component-reports/{report.pk}/decide/", {"decision": "reject", "reason": ""})
    assert response.status_code == 409
    response = client.post(f"/component-reports/{report.pk}/decide/", {"decision": "replace", "reason": ""})
    report.refresh_from_db()
    assert response["Location"] == report.procurement.get_absolute_url()
    client.force_login(world.agent)
    assert client.post(f"/component-reports/{report.pk}/decide/", {"decision": "repair"}).status_code == 403


def test_a_request_s_page_and_the_reports_cost_the_same_queries_whatever_they_hold(client, world):
    small = world.request()
    large = services.procurement_create(
        by=world.agent,
        items=[{"description": f"Item {n}", "quantity": n, "unit_cost": "10"} for n in range(1, 8)],
        reason="Many",
        ticket_references=[world.ticket.reference],
        asset_tags=["LT-0042"],
    )
    client.force_login(world.supervisor)
    counts = []
    for procurement in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(procurement.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    world.report()
    with CaptureQueriesContext(connection) as one:
        client.get("/component-reports/")
    for _ in range(4):
        world.report(by=world.agent)
    with CaptureQueriesContext(connection) as five:
        client.get("/component-reports/")
    assert len(one) == len(five)
