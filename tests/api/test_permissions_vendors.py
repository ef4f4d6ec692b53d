"""The vendors API for every role: support staff read vendors (with their contacts and
contracts) and vendor escalations; supervisors and administrators write vendor records;
requesters get nothing. Each cell sets up its own vendor and escalation, makes one
request and checks the exact status; a refused request (and every read) leaves the vendor
tables as they were, an allowed write shows its effect."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.api.permission_matrix import ROLES, Endpoint, World, actor_for, cells
from tests.factories import TicketFactory
from tickets.models import Ticket
from vendors.models import Vendor, VendorContact, VendorContract, VendorEscalation

pytestmark = pytest.mark.django_db

STAFF_READ = (401, 403, 403, 200, 200, 200, 200, 200)
MANAGERS_CREATE = (401, 403, 403, 403, 403, 403, 201, 201)
MANAGERS_CHANGE = (401, 403, 403, 403, 403, 403, 200, 200)
LEVEL_III_CREATE = (401, 403, 403, 403, 403, 201, 201, 201)
LEVEL_III_ACT = (401, 403, 403, 403, 403, 200, 200, 200)


def vendor_world(level: int) -> World:
    world = World(level=level, ticket=TicketFactory(level=3, status="vendor"))
    vendor = Vendor.objects.create(name="Acme Servers", email="support@acme.example")
    contact = VendorContact.objects.create(vendor=vendor, name="Budi", email="budi@acme.example", is_primary=True)
    contract = VendorContract.objects.create(
        vendor=vendor, reference="AMC-1", starts_on=date(2026, 1, 1), response_minutes=60, resolution_minutes=480
    )
    escalation = VendorEscalation.objects.create(
        ticket=world.ticket,
        vendor=vendor,
        contact=contact,
        contact_email=contact.email,
        message="Controller failed",
        escalated_by=world.ticket.requester,
    )
    world.public_file = None
    world.assignee = {
        "vendor_id": vendor.pk,
        "escalation_id": escalation.pk,
        "contact_id": contact.pk,
        "contract_id": contract.pk,
    }
    return world


def open_ticket_world(level: int) -> World:
    """A vendor as in vendor_world, and an open Level III ticket not yet taken to it."""
    world = vendor_world(level)
    world.ids["open_ticket"] = TicketFactory(level=3, status="open")
    world.ids["contract"] = VendorContract.objects.get(reference="AMC-1").pk
    return world


def escalation_created(world, response):
    ticket = world.ids["open_ticket"]
    ticket.refresh_from_db()
    assert response.json()["ticket"] == ticket.reference and ticket.status == "vendor"
    assert response.json()["vendor_reference"] == "CASE-9 & <b>"
    assert VendorEscalation.objects.filter(ticket=ticket, status="open").count() == 1


def response_recorded(world, response):
    assert VendorEscalation.objects.get(pk=world.assignee["escalation_id"]).responded_at is not None


def reference_recorded(world, response):
    assert response.json()["vendor_reference"] == "RMA-77"


def resolution_recorded(world, response):
    row = VendorEscalation.objects.get(pk=world.assignee["escalation_id"])
    assert row.resolution == "Replaced the controller" and row.resolved_at is not None


def escalation_closed(world, response):
    world.ticket.refresh_from_db()
    assert response.json()["status"] == "closed" and world.ticket.status == "open"


def vendors_listed(world, response):
    [vendor] = response.json()
    assert vendor["name"] == "Acme Servers" and vendor["contacts"][0]["name"] == "Budi"
    assert vendor["contracts"][0]["reference"] == "AMC-1"


def vendor_created(world, response):
    assert response.json()["name"] == "Borneo Networks"
    assert Vendor.objects.filter(name="Borneo Networks").exists()


def vendor_shown(world, response):
    assert response.json()["id"] == world.assignee["vendor_id"]


def vendor_changed(world, response):
    assert Vendor.objects.get(pk=world.assignee["vendor_id"]).phone == "+62 21 555 0100"


def contact_added(world, response):
    assert VendorContact.objects.filter(vendor_id=world.assignee["vendor_id"], name="Sari").exists()


def contract_added(world, response):
    assert VendorContract.objects.filter(vendor_id=world.assignee["vendor_id"], reference="AMC-2").exists()


def contact_changed(world, response):
    contact = VendorContact.objects.get(pk=world.assignee["contact_id"])
    assert (contact.role, contact.phone) == ("Account manager 'A' <b>&</b> 🙂", "+62 812 0000")
    assert contact.name == "Budi" and contact.is_primary
    assert response.json()["contacts"][0]["role"] == contact.role


def contact_removed(world, response):
    assert not VendorContact.objects.filter(pk=world.assignee["contact_id"]).exists()
    assert response.json()["id"] == world.assignee["vendor_id"] and response.json()["contacts"] == []


def contract_changed(world, response):
    contract = VendorContract.objects.get(pk=world.assignee["contract_id"])
    assert (contract.reference, contract.resolution_minutes) == ("AMC-1", 600)
    assert response.json()["contracts"][0]["resolution_minutes"] == 600


def escalations_listed(world, response):
    [row] = response.json()["results"]
    assert row["ticket"] == world.ticket.reference and row["vendor_name"] == "Acme Servers"


def escalation_shown(world, response):
    assert response.json()["id"] == world.assignee["escalation_id"]


V = "/api/v1/vendors/{vendor_id}"
E = "/api/v1/vendor-escalations"
ENDPOINTS = [
    Endpoint("vendors", "GET", "/api/v1/vendors/", STAFF_READ, vendors_listed, setup=vendor_world, levels=(3,)),
    Endpoint(
        "vendor-create",
        "POST",
        "/api/v1/vendors/",
        MANAGERS_CREATE,
        vendor_created,
        setup=vendor_world,
        levels=(3,),
        data=lambda world: {"name": "Borneo Networks", "email": "noc@borneo.example"},
    ),
    Endpoint("vendor", "GET", V + "/", STAFF_READ, vendor_shown, setup=vendor_world, levels=(3,)),
    Endpoint(
        "vendor-update",
        "PATCH",
        V + "/",
        MANAGERS_CHANGE,
        vendor_changed,
        setup=vendor_world,
        levels=(3,),
        data=lambda world: {"phone": "+62 21 555 0100"},
    ),
    Endpoint(
        "vendor-contact",
        "POST",
        V + "/contacts/",
        MANAGERS_CREATE,
        contact_added,
        setup=vendor_world,
        levels=(3,),
        data=lambda world: {"name": "Sari", "email": "sari@acme.example"},
    ),
    Endpoint(
        "vendor-contract",
        "POST",
        V + "/contracts/",
        MANAGERS_CREATE,
        contract_added,
        setup=vendor_world,
        levels=(3,),
        data=lambda world: {
            "reference": "AMC-2",
            "starts_on": "2026-06-01",
            "response_minutes": 30,
            "resolution_minutes": 240,
        },
    ),
    Endpoint(
        "vendor-contact-update",
        "PATCH",
        V + "/contacts/{contact_id}/",
        MANAGERS_CHANGE,
        contact_changed,
        setup=vendor_world,
        levels=(3,),
        data=lambda world: {"role": "Account manager 'A' <b>&</b> 🙂", "phone": "+62 812 0000"},
    ),
    Endpoint(
        "vendor-contact-delete",
        "DELETE",
        V + "/contacts/{contact_id}/",
        MANAGERS_CHANGE,
        contact_removed,
        setup=vendor_world,
        levels=(3,),
    ),
    Endpoint(
        "vendor-contract-update",
        "PATCH",
        V + "/contracts/{contract_id}/",
        MANAGERS_CHANGE,
        contract_changed,
        setup=vendor_world,
        levels=(3,),
        data=lambda world: {"resolution_minutes": 600},
    ),
    Endpoint("vendor-escalations", "GET", E + "/", STAFF_READ, escalations_listed, setup=vendor_world, levels=(3,)),
    Endpoint(
        "vendor-escalation",
        "GET",
        E + "/{escalation_id}/",
        STAFF_READ,
        escalation_shown,
        setup=vendor_world,
        levels=(3,),
    ),
    Endpoint(
        "vendor-escalation-create",
        "POST",
        E + "/",
        LEVEL_III_CREATE,
        escalation_created,
        setup=open_ticket_world,
        levels=(3,),
        data=lambda world: {
            "ticket": world.ids["open_ticket"].reference,
            "vendor": world.assignee["vendor_id"],
            "contract": world.ids["contract"],
            "vendor_reference": "CASE-9 & <b>",
            "message": "The RAID controller fails; please send a replacement.",
        },
    ),
    Endpoint(
        "vendor-escalation-response",
        "POST",
        E + "/{escalation_id}/response/",
        LEVEL_III_ACT,
        response_recorded,
        setup=vendor_world,
        levels=(3,),
    ),
    Endpoint(
        "vendor-escalation-reference",
        "POST",
        E + "/{escalation_id}/reference/",
        LEVEL_III_ACT,
        reference_recorded,
        setup=vendor_world,
        levels=(3,),
        data=lambda world: {"vendor_reference": "RMA-77"},
    ),
    Endpoint(
        "vendor-escalation-resolution",
        "POST",
        E + "/{escalation_id}/resolution/",
        LEVEL_III_ACT,
        resolution_recorded,
        setup=vendor_world,
        levels=(3,),
        data=lambda world: {"resolution": "Replaced the controller"},
    ),
    Endpoint(
        "vendor-escalation-close",
        "POST",
        E + "/{escalation_id}/close/",
        LEVEL_III_ACT,
        escalation_closed,
        setup=vendor_world,
        levels=(3,),
        data=lambda world: {"reason": "Fixed"},
    ),
]


def state() -> dict:
    return {
        "vendors": list(Vendor.objects.order_by("pk").values()),
        "contacts": list(VendorContact.objects.order_by("pk").values()),
        "contracts": list(VendorContract.objects.order_by("pk").values()),
        "escalations": list(VendorEscalation.objects.order_by("pk").values()),
        "tickets": list(Ticket.objects.order_by("pk").values("pk", "status")),
    }


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), list(cells(ENDPOINTS)))
def test_vendor_api_permission_matrix(endpoint: Endpoint, level: int, role: str, auth: str):
    world = endpoint.setup(level)
    world.role = role
    world.actor = actor_for(role, world)
    client = APIClient()
    if world.actor is not None and auth == "token":
        _token, key = api_token_create(user=world.actor, name="permission matrix")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    elif world.actor is not None:
        client.force_authenticate(world.actor)
    expected = endpoint.expected(role, level)
    before = state()
    path = endpoint.path.format(**world.assignee)
    response = getattr(client, endpoint.method.lower())(path, endpoint.data(world), format=endpoint.format)
    assert response.status_code == expected, response.content[:500]
    if expected >= 400:
        error = response.json()["error"]
        assert error["status"] == expected and error["message"]
        assert state() == before
        return
    endpoint.check(world, response)
    if endpoint.method == "GET":
        assert state() == before


def test_requesters_never_see_a_vendor_or_an_escalation_through_the_api(django_user_model):
    world = vendor_world(3)
    client = APIClient()
    client.force_authenticate(world.ticket.requester)
    for path in ("/api/v1/vendors/", f"/api/v1/vendor-escalations/{world.assignee['escalation_id']}/"):
        response = client.get(path)
        assert response.status_code == 403 and b"Acme" not in response.content


@pytest.mark.parametrize(
    "data",
    [
        {"name": ""},
        {"name": "x" * 201},
        {"name": "'\"<>& 🔥", "email": "not an email"},
        {"name": "ok", "website": "javascript:alert(1)"},
        {"name": ["a", "b"]},
        {"name": "acme servers"},  # the same name in other letters
    ],
)
def test_hostile_vendor_input_is_refused_with_a_clear_message_and_nothing_saved(data):
    world = vendor_world(3)
    client = APIClient()
    client.force_authenticate(actor_for("supervisor", world))
    before = state()
    response = client.post("/api/v1/vendors/", data, format="json")
    assert response.status_code == 400 and response.json()["error"]["message"]
    assert state() == before


def _escalate(world, **changes):
    return {
        "ticket": world.ids["open_ticket"].reference,
        "vendor": world.assignee["vendor_id"],
        "contract": world.ids["contract"],
        "message": "Controller failed",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "status", "says"),
    [
        ({"message": ""}, 400, "message"),
        ({"message": "x" * 10_001}, 400, "message"),
        ({"vendor": "Acme"}, 400, "vendor"),
        ({"vendor": 999_999}, 400, "active vendor"),
        ({"contract": None}, 400, "contract in force"),
        ({"contact": 999_999}, 400, "contact"),
        ({"vendor_reference": "r" * 121}, 400, "vendor_reference"),
        ({"ticket": "HD-999999"}, 404, ""),
        ({"ticket": "'\"<>& 🔥"}, 404, ""),
        ({"ticket": ["HD-1"]}, 400, "ticket"),
        ({"message": {"nested": ["deep"]}}, 400, "message"),
    ],
)
def test_a_bad_vendor_escalation_is_refused_with_the_reason_and_nothing_changes(changes, status, says):
    world = open_ticket_world(3)
    client = APIClient()
    client.force_authenticate(actor_for("agent_l3", world))
    before = state()
    response = client.post("/api/v1/vendor-escalations/", _escalate(world, **changes), format="json")
    assert response.status_code == status, response.content[:500]
    assert says in response.content.decode()
    assert state() == before


def test_a_ticket_below_level_iii_or_already_with_a_vendor_is_not_taken_to_one_through_the_api():
    world = open_ticket_world(3)
    client = APIClient()
    client.force_authenticate(actor_for("agent_l3", world))
    level_two = TicketFactory(level=2, status="open")
    before = state()

    lower = client.post("/api/v1/vendor-escalations/", _escalate(world, ticket=level_two.reference), format="json")
    again = client.post("/api/v1/vendor-escalations/", _escalate(world, ticket=world.ticket.reference), format="json")

    assert lower.status_code == 400 and "Level III" in lower.json()["error"]["message"]
    assert again.status_code == 400 and "already waiting" in again.json()["error"]["message"]
    assert state() == before


def test_a_closed_vendor_escalation_takes_no_further_step_through_the_api():
    world = vendor_world(3)
    client = APIClient()
    client.force_authenticate(actor_for("agent_l3", world))
    path = f"/api/v1/vendor-escalations/{world.assignee['escalation_id']}/"
    assert client.post(path + "close/", {}, format="json").status_code == 200
    before = state()

    for step, data in (("close", {}), ("resolution", {"resolution": "x"}), ("response", {})):
        response = client.post(path + step + "/", data, format="json")
        assert response.status_code == 400 and "closed" in response.json()["error"]["message"], step
    assert client.post(path + "reference/", {"vendor_reference": ""}, format="json").status_code == 400
    assert state() == before


def test_the_vendor_list_reads_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    world = vendor_world(3)
    for n in range(5):
        vendor = Vendor.objects.create(name=f"Vendor {n}")
        VendorContact.objects.create(vendor=vendor, name="A", is_primary=True)
        VendorContract.objects.create(
            vendor=vendor, reference="X", starts_on=date(2026, 1, 1), response_minutes=1, resolution_minutes=2
        )
    client = APIClient()
    client.force_authenticate(actor_for("agent_l3", world))
    client.get("/api/v1/vendors/")  # warm the permission caches
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/vendors/").json()) == 6


ROLES_COVERED = ROLES


def test_a_contact_or_contract_of_another_vendor_is_not_found_and_left_alone():
    world = vendor_world(3)
    other = Vendor.objects.create(name="Other Vendor")
    client = APIClient()
    client.force_authenticate(actor_for("supervisor", world))
    before = state()
    ids = world.assignee
    for method, path, data in (
        ("patch", f"/api/v1/vendors/{other.pk}/contacts/{ids['contact_id']}/", {"name": "Stolen"}),
        ("delete", f"/api/v1/vendors/{other.pk}/contacts/{ids['contact_id']}/", None),
        ("patch", f"/api/v1/vendors/{other.pk}/contracts/{ids['contract_id']}/", {"reference": "Stolen"}),
        ("patch", f"/api/v1/vendors/{ids['vendor_id']}/contacts/999999/", {"name": "Nobody"}),
        ("delete", f"/api/v1/vendors/{ids['vendor_id']}/contacts/999999/", None),
        ("patch", f"/api/v1/vendors/{ids['vendor_id']}/contracts/999999/", {"reference": "Nothing"}),
        ("patch", f"/api/v1/vendors/999999/contracts/{ids['contract_id']}/", {"reference": "Nothing"}),
    ):
        response = getattr(client, method)(path, data, format="json")
        assert response.status_code == 404, (method, path, response.content[:300])
        assert response.json()["error"]["code"] == "not_found"
    assert state() == before


@pytest.mark.parametrize(
    ("path", "data", "says"),
    [
        ("contacts/{contact_id}", {"name": ""}, "name"),
        ("contacts/{contact_id}", {"name": "x" * 201}, "name"),
        ("contacts/{contact_id}", {"email": "'\"<>& 🔥"}, "email"),
        ("contacts/{contact_id}", {"phone": "1\r\n2" * 10}, "phone"),
        ("contacts/{contact_id}", {"is_primary": ["yes"]}, "is_primary"),
        ("contracts/{contract_id}", {"reference": ""}, "reference"),
        ("contracts/{contract_id}", {"ends_on": "2025-01-01"}, "end before it starts"),
        ("contracts/{contract_id}", {"resolution_minutes": 10}, "shorter than the response"),
        ("contracts/{contract_id}", {"response_minutes": 0}, "response_minutes"),
        ("contracts/{contract_id}", {"calendar": 999_999}, "calendar"),
        ("contracts/{contract_id}", {"starts_on": "not a day"}, "starts_on"),
    ],
)
def test_a_bad_change_to_a_contact_or_contract_is_refused_with_the_reason_and_nothing_changes(path, data, says):
    world = vendor_world(3)
    client = APIClient()
    client.force_authenticate(actor_for("admin", world))
    before = state()
    url = f"/api/v1/vendors/{world.assignee['vendor_id']}/" + path.format(**world.assignee) + "/"
    response = client.patch(url, data, format="json")
    assert response.status_code == 400, response.content[:500]
    assert says in response.content.decode() and response.json()["error"]["message"]
    assert state() == before


def test_a_contact_made_primary_through_the_api_takes_it_from_the_other():
    world = vendor_world(3)
    second = VendorContact.objects.create(vendor_id=world.assignee["vendor_id"], name="Sari 'Ops' <b>&</b> 🛠")
    client = APIClient()
    client.force_authenticate(actor_for("supervisor", world))
    response = client.patch(
        f"/api/v1/vendors/{world.assignee['vendor_id']}/contacts/{second.pk}/", {"is_primary": True}, format="json"
    )
    assert response.status_code == 200, response.content[:500]
    assert [(c["name"], c["is_primary"]) for c in response.json()["contacts"]] == [
        ("Sari 'Ops' <b>&</b> 🛠", True),
        ("Budi", False),
    ]
