"""The vendor pages and the ticket's vendor panel: who sees and changes what, the
messages a refusal shows, hostile input, and a fixed number of queries."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.api.permission_matrix import make_admin
from tests.factories import make_agent, make_requester, make_supervisor
from tests.vendors.support import level_three_ticket, vendor_with_contract
from tickets.choices import Status
from vendors.models import Vendor, VendorContact, VendorContract, VendorEscalation
from vendors.services import vendor_escalation_create, vendor_response_record

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def _escalated(name="Acme Servers"):
    vendor, contact, contract = vendor_with_contract(name)
    ticket = level_three_ticket()
    escalation = vendor_escalation_create(
        ticket_id=ticket.pk, by=ticket.assignee, vendor_id=vendor.pk, contract_id=contract.pk, message="Help"
    )
    return escalation, ticket


def test_staff_see_the_vendor_list_and_page_and_agents_cannot_change_them(client):
    escalation, _ticket = _escalated()
    client.force_login(make_agent(1))
    assert b"Acme Servers" in client.get("/vendors/").content
    page = client.get(f"/vendors/{escalation.vendor_id}/")
    assert page.status_code == 200 and b"Budi Hartono" in page.content and b"ACM-2026" in page.content
    assert escalation.ticket.reference.encode() in page.content
    assert b"Add a contact" not in page.content
    assert client.get(f"/vendors/{escalation.vendor_id}/edit/").status_code == 403
    response = client.post(f"/vendors/{escalation.vendor_id}/contacts/", {"name": "Mallory"})
    assert response.status_code == 403 and not VendorContact.objects.filter(name="Mallory").exists()


def test_requesters_never_see_vendors_or_the_vendor_panel(client):
    escalation, ticket = _escalated()
    client.force_login(ticket.requester)
    assert client.get("/vendors/").status_code == 403
    assert client.get(f"/vendors/{escalation.vendor_id}/").status_code == 403
    assert client.get(f"/tickets/{ticket.reference}/vendor/").status_code == 403
    page = client.get(f"/tickets/{ticket.reference}/")
    assert page.status_code == 200
    assert b"Acme" not in page.content and b"vendor-panel" not in page.content
    assert b"Pending on vendor" in page.content  # the status itself is theirs to know
    assert b"Vendors" not in page.content  # no menu entry


def test_the_ticket_page_shows_staff_the_vendor_and_its_clock(client):
    with time_machine.travel(MONDAY, tick=False):
        escalation, ticket = _escalated()
    client.force_login(make_agent(2))
    page = client.get(f"/tickets/{ticket.reference}/")
    assert b'data-testid="vendor-panel"' in page.content and b"Acme Servers" in page.content
    assert b'data-testid="vendor-response-due"' in page.content
    assert b"Paused" in page.content


def test_a_supervisor_adds_a_vendor_and_a_duplicate_name_is_refused_with_a_clear_message(client):
    client.force_login(make_supervisor())
    response = client.post("/vendors/new/", {"name": "Borneo Networks", "email": "noc@borneo.example"})
    vendor = Vendor.objects.get(name="Borneo Networks")
    assert response.status_code == 302 and response["Location"] == f"/vendors/{vendor.pk}/"
    again = client.post("/vendors/new/", {"name": "BORNEO NETWORKS"})
    assert again.status_code == 400 and "There is already a vendor called" in again.content.decode()
    assert Vendor.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"name": ""},
        {"name": "é" * 250},
        {"name": "ok", "email": "not an email"},
        {"name": "ok", "website": "javascript:alert(1)"},
        {"name": "\r\n\x00"},
    ],
)
def test_hostile_vendor_input_is_refused_and_nothing_saved(client, data):
    client.force_login(make_admin())
    response = client.post("/vendors/new/", data)
    assert response.status_code == 400 and not Vendor.objects.exists()


def test_a_contract_ending_before_it_starts_is_refused_on_the_vendor_page(client):
    vendor, _contact, _contract = vendor_with_contract()
    client.force_login(make_supervisor())
    response = client.post(
        f"/vendors/{vendor.pk}/contracts/",
        {
            "reference": "X",
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",
            "response_minutes": "60",
            "resolution_minutes": "30",
        },
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "A contract cannot end before it starts." in text
    assert "The resolution target cannot be shorter than the response target." in text
    assert VendorContract.objects.filter(vendor=vendor).count() == 1


def test_a_second_primary_contact_takes_over_from_the_first(client):
    vendor, first, _contract = vendor_with_contract()
    client.force_login(make_supervisor())
    client.post(f"/vendors/{vendor.pk}/contacts/", {"name": "Sari", "email": "sari@acme.example", "is_primary": "on"})
    assert list(VendorContact.objects.filter(vendor=vendor, is_primary=True).values_list("name", flat=True)) == ["Sari"]


def test_a_level_three_agent_escalates_on_the_ticket_s_vendor_page_and_records_the_response(client):
    vendor, contact, contract = vendor_with_contract()
    ticket = level_three_ticket()
    client.force_login(ticket.assignee)
    form = client.get(f"/tickets/{ticket.reference}/vendor/")
    assert b"Take it to the vendor" in form.content
    response = client.post(
        f"/tickets/{ticket.reference}/vendor/",
        {"vendor": vendor.pk, "contract": contract.pk, "message": "Controller failed 'A' <b>"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_VENDOR
    escalation = VendorEscalation.objects.get(ticket=ticket)
    assert client.post(f"/vendor-escalations/{escalation.pk}/response/").status_code == 302
    assert VendorEscalation.objects.get(pk=escalation.pk).responded_at is not None
    page = client.get(f"/tickets/{ticket.reference}/vendor/").content.decode()
    assert "Controller failed &#x27;A&#x27; &lt;b&gt;" in page
    assert client.post(f"/vendor-escalations/{escalation.pk}/close/", {"reason": ""}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_a_level_two_ticket_is_refused_on_the_page_with_the_reason(client):
    vendor, _contact, contract = vendor_with_contract()
    ticket = level_three_ticket(level=2)
    client.force_login(make_supervisor())
    response = client.post(
        f"/tickets/{ticket.reference}/vendor/", {"vendor": vendor.pk, "contract": contract.pk, "message": "x"}
    )
    assert (
        response.status_code == 409 and "only a Level III ticket can be taken to a vendor" in response.content.decode()
    )
    assert not VendorEscalation.objects.exists()


def test_a_level_two_agent_cannot_escalate_to_a_vendor_from_the_page(client):
    vendor, _contact, contract = vendor_with_contract()
    ticket = level_three_ticket()
    client.force_login(make_agent(2))
    response = client.post(
        f"/tickets/{ticket.reference}/vendor/", {"vendor": vendor.pk, "contract": contract.pk, "message": "x"}
    )
    assert response.status_code == 403 and not VendorEscalation.objects.exists()


def _queries(client, path, django_assert_num_queries) -> int:
    client.get(path)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_vendor_pages_take_the_same_number_of_queries_whatever_the_data(client, django_assert_num_queries):
    escalation, _ticket = _escalated()
    client.force_login(make_supervisor())
    paths = ["/vendors/", f"/vendors/{escalation.vendor_id}/", f"/tickets/{escalation.ticket.reference}/vendor/"]
    before = [_queries(client, path, django_assert_num_queries) for path in paths]
    for n in range(4):
        _escalated(f"Vendor{n} Ltd")
        VendorContact.objects.create(vendor=escalation.vendor, name=f"Extra {n}")
        VendorContract.objects.create(
            vendor=escalation.vendor,
            reference=f"R{n}",
            starts_on=date(2020, 1, 1),
            ends_on=date(2020, 12, 31),
            response_minutes=1,
            resolution_minutes=2,
        )
    after = [_queries(client, path, django_assert_num_queries) for path in paths]
    assert after == before


def test_the_vendor_performance_report_counts_met_and_missed_with_percentiles_and_csv(client):
    with time_machine.travel(MONDAY, tick=False):
        on_time, _t1 = _escalated("Acme Servers")
        late, _t2 = _escalated("Borneo Networks")
        silent, _t3 = _escalated("Cendana Data")
    vendor_response_record(escalation_id=on_time.pk, by=on_time.escalated_by, at=MONDAY + timedelta(minutes=30))
    vendor_response_record(escalation_id=late.pk, by=late.escalated_by, at=MONDAY + timedelta(hours=3))
    client.force_login(make_supervisor())
    day = MONDAY.date().isoformat()
    response = client.get("/reports/vendors/", {"preset": "custom", "start": day, "end": day})
    rows = {row["vendor__name"]: row for row in response.context["rows"]}
    assert (rows["Acme Servers"]["responses_met"], rows["Acme Servers"]["responses_missed"]) == (1, 0)
    assert (rows["Borneo Networks"]["responses_met"], rows["Borneo Networks"]["responses_missed"]) == (0, 1)
    assert rows["Acme Servers"]["response_p50"] == timedelta(minutes=30)
    assert rows["Cendana Data"]["open_overdue"] == 1 and rows["Cendana Data"]["response_p50"] is None
    csv = client.get("/reports/vendors/", {"preset": "custom", "start": day, "end": day, "format": "csv"})
    text = b"".join(csv.streaming_content).decode()
    assert "Borneo Networks" in text and text.splitlines()[0].lstrip("\ufeff").startswith("Vendor,")
    agent = make_agent(3)
    client.force_login(agent)
    assert client.get("/reports/vendors/").status_code == 403


def test_the_vendor_report_reads_in_a_fixed_number_of_queries(client):
    client.force_login(make_supervisor())
    day = MONDAY.date().isoformat()
    params = {"preset": "custom", "start": day, "end": day}
    with time_machine.travel(MONDAY, tick=False):
        _escalated("Acme Servers")
    first = _queries(client, "/reports/vendors/?" + "&".join(f"{k}={v}" for k, v in params.items()), None)
    with time_machine.travel(MONDAY, tick=False):
        for n in range(4):
            _escalated(f"Vendor{n} Ltd")
    again = _queries(client, "/reports/vendors/?" + "&".join(f"{k}={v}" for k, v in params.items()), None)
    assert again == first


def test_the_nav_shows_vendors_to_staff(client):
    client.force_login(make_requester())
    assert reverse("vendors:list").encode() not in client.get("/").content
    client.force_login(make_agent(1))
    assert reverse("vendors:list").encode() in client.get("/tickets/queue/").content
