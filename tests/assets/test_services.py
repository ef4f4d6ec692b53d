import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets import services
from assets.exceptions import AssetError, NotAllowedError
from assets.models import Asset, TicketAsset
from assets.rules import date_clean, ip_clean, mac_clean
from tests.assets.support import make_asset, make_vendor
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets.choices import EventKind
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def values(**changes):
    base = {"tag": "LAP-0100", "asset_type": "laptop", "name": "ThinkPad T14", "status": "in_use"}
    return {**base, **changes}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff"),
        ("aa-bb-cc-dd-ee-ff", "aa:bb:cc:dd:ee:ff"),
        ("aabb.ccdd.eeff", "aa:bb:cc:dd:ee:ff"),
        ("AABBCCDDEEFF", "aa:bb:cc:dd:ee:ff"),
        ("  ", ""),
    ],
)
def test_a_mac_address_is_stored_as_six_lower_case_pairs(typed, stored):
    assert mac_clean(typed) == stored


@pytest.mark.parametrize("typed", ["aa:bb:cc:dd:ee", "gg:bb:cc:dd:ee:ff", "<script>", "aa:bb:cc:dd:ee:ff:00", "🙂"])
def test_a_mac_address_that_is_not_one_is_refused_with_its_field(typed):
    with pytest.raises(AssetError) as refused:
        mac_clean(typed)
    assert refused.value.field == "mac_address"
    assert "MAC" in refused.value.message


def test_ip_addresses_v4_and_v6_are_read_and_others_refused():
    assert ip_clean("10.0.0.5") == "10.0.0.5"
    assert ip_clean("2001:DB8::1") == "2001:db8::1"
    assert ip_clean("") is None
    for bad in ("10.0.0.256", "server-01", "' OR 1=1 --"):
        with pytest.raises(AssetError):
            ip_clean(bad)


def test_dates_are_read_in_both_habits_and_absurd_years_refused():
    assert date_clean("2026-12-31", "purchase_date") == datetime.date(2026, 12, 31)
    assert date_clean("31/12/2026", "purchase_date") == datetime.date(2026, 12, 31)
    for bad in ("31/02/2026", "1900-01-01", "soon"):
        with pytest.raises(AssetError):
            date_clean(bad, "purchase_date")


def test_staff_create_an_asset():
    agent = make_agent(1)
    asset = services.asset_create(by=agent, values=values(mac_address="AA-BB-CC-DD-EE-01"))
    assert asset.mac_address == "aa:bb:cc:dd:ee:01"
    assert Asset.objects.count() == 1


def test_a_requester_may_not_create_an_asset():
    with pytest.raises(NotAllowedError):
        services.asset_create(by=make_requester(), values=values())
    assert not Asset.objects.exists()


def test_a_tag_is_unique_whatever_its_case():
    make_asset("LAP-0100")
    with pytest.raises(AssetError) as refused:
        services.asset_create(by=make_agent(1), values=values(tag="lap-0100"))
    assert refused.value.field == "tag"
    assert Asset.objects.count() == 1


def test_licence_fields_are_for_licences_only():
    with pytest.raises(AssetError) as refused:
        services.asset_create(by=make_agent(1), values=values(seats_owned=5))
    assert refused.value.field == "seats_owned"


def test_seats_used_may_not_exceed_seats_owned():
    with pytest.raises(AssetError) as refused:
        services.asset_create(
            by=make_agent(1), values=values(tag="LIC-1", asset_type="licence", seats_owned=5, seats_used=6)
        )
    assert refused.value.field == "seats_used"
    licence = services.asset_create(
        by=make_agent(1), values=values(tag="LIC-1", asset_type="licence", seats_owned=5, seats_used=5)
    )
    assert licence.seats_used == 5


def test_a_warranty_cannot_end_before_the_purchase_nor_a_purchase_be_in_the_future():
    agent = make_agent(1)
    with pytest.raises(AssetError) as refused:
        services.asset_create(
            by=agent,
            values=values(purchase_date=datetime.date(2025, 5, 1), warranty_ends_on=datetime.date(2025, 4, 1)),
        )
    assert refused.value.field == "warranty_ends_on"
    with pytest.raises(AssetError) as refused:
        services.asset_create(by=agent, values=values(purchase_date=datetime.date(2099, 1, 1)))
    assert refused.value.field == "purchase_date"


def test_a_parent_may_be_neither_the_asset_nor_one_of_its_parts():
    agent = make_agent(1)
    server = make_asset("SRV-1", asset_type="server")
    vm = make_asset("VM-1", asset_type="vm", parent=server)
    disk = make_asset("DSK-1", asset_type="disk", parent=vm)
    with pytest.raises(AssetError) as itself:
        services.asset_update(asset_id=server.pk, by=agent, values={"parent": server})
    assert itself.value.field == "parent"
    with pytest.raises(AssetError) as loop:
        services.asset_update(asset_id=server.pk, by=agent, values={"parent": disk})
    assert "own parts" in loop.value.message
    server.refresh_from_db()
    assert server.parent_id is None


def test_retiring_is_a_status_change():
    agent = make_agent(1)
    asset = make_asset()
    services.asset_update(asset_id=asset.pk, by=agent, values={"status": "retired"})
    asset.refresh_from_db()
    assert asset.status == "retired"


def test_staff_at_the_ticket_s_level_attach_an_asset_by_tag_and_the_trail_says_so():
    ticket = TicketFactory(level=2)
    asset = make_asset("LAP-0042")
    link = services.ticket_asset_link(ticket_id=ticket.pk, tag="lap-0042", by=make_agent(2))
    assert link.asset == asset
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ASSET_ADDED)
    assert "LAP-0042" in event.to_value
    # Attaching it again changes nothing.
    services.ticket_asset_link(ticket_id=ticket.pk, tag="LAP-0042", by=make_agent(2))
    assert TicketAsset.objects.count() == 1
    assert TicketEvent.objects.filter(kind=EventKind.ASSET_ADDED).count() == 1


def test_an_unknown_tag_is_a_clear_refusal():
    ticket = TicketFactory(level=1)
    with pytest.raises(AssetError) as refused:
        services.ticket_asset_link(ticket_id=ticket.pk, tag="NOPE-1 <b>", by=make_agent(1))
    assert "NOPE-1 <b>" in refused.value.message


def test_an_agent_below_the_ticket_s_level_may_not_attach_or_remove():
    ticket = TicketFactory(level=3)
    asset = make_asset()
    with pytest.raises(NotAllowedError):
        services.ticket_asset_link(ticket_id=ticket.pk, tag=asset.tag, by=make_agent(1, 2))
    TicketAsset.objects.create(ticket=ticket, asset=asset)
    with pytest.raises(NotAllowedError):
        services.ticket_asset_unlink(ticket_id=ticket.pk, asset_id=asset.pk, by=make_agent(2))
    with pytest.raises(NotAllowedError):
        services.ticket_asset_link(ticket_id=ticket.pk, tag=asset.tag, by=make_requester())
    assert TicketAsset.objects.count() == 1


def test_removing_an_asset_is_on_the_trail():
    ticket = TicketFactory(level=1)
    asset = make_asset()
    services.ticket_asset_link(ticket_id=ticket.pk, asset_id=asset.pk, by=make_supervisor())
    services.ticket_asset_unlink(ticket_id=ticket.pk, asset_id=asset.pk, by=make_agent(1))
    assert not TicketAsset.objects.exists()
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSET_REMOVED).count() == 1


def test_a_requester_filing_names_one_of_their_devices():
    from tickets.services import ticket_create

    rina = make_requester()
    laptop = make_asset("LAP-7", user=rina)
    ticket = ticket_create(
        requester=rina, subject="Screen", description="Flickers", urgency="low", extra={"asset": laptop}
    )
    assert list(ticket.asset_links.values_list("asset__tag", flat=True)) == ["LAP-7"]


def test_a_requester_cannot_name_someone_else_s_device_and_nothing_is_filed():
    from tickets.exceptions import TicketError
    from tickets.models import Ticket
    from tickets.services import ticket_create

    rina = make_requester()
    other = make_asset("LAP-8", user=make_requester())
    with pytest.raises(TicketError):
        ticket_create(requester=rina, subject="Screen", description="Flickers", urgency="low", extra={"asset": other})
    assert not Ticket.objects.exists()


def test_asset_list_is_one_query_whatever_the_rows():
    from assets.selectors import asset_list

    vendor = make_vendor()
    server = make_asset("SRV-1", asset_type="server", vendor=vendor)
    for n in range(30):
        make_asset(f"VM-{n}", asset_type="vm", parent=server, vendor=vendor, user=make_requester())
    with CaptureQueriesContext(connection) as queries:
        rows = list(asset_list(filters={"q": "vm", "asset_class": "hardware"}, sort="user"))
        for row in rows:
            str(row.user), str(row.vendor), str(row.parent)
    assert len(rows) == 30
    assert len(queries) == 1


@pytest.mark.parametrize("typed", ["ÇÖ~X\x11Ê", "10.0.0.256", "::g"])
def test_an_ip_address_that_is_not_one_is_refused_by_the_service_and_nothing_is_saved(typed):
    # The API hands the service what it was sent; the service holds the rule for every caller.
    with pytest.raises(AssetError) as refused:
        services.asset_create(by=make_agent(1), values={"tag": "PC-9", "asset_type": "pc", "ip_address": typed})
    assert refused.value.field == "ip_address"
    assert not Asset.objects.exists()


def test_an_api_post_with_a_bad_ip_address_is_a_400_naming_the_field():
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(make_supervisor())
    response = client.post("/api/v1/assets/", {"tag": "PC-9", "asset_type": "pc", "ip_address": "ÇÖ~X"}, format="json")
    assert response.status_code == 400
    assert "ip_address" in response.json()["error"]["fields"]
    assert not Asset.objects.exists()
