"""The API files a ticket on a requester's behalf: staff only, audited as such."""

import pytest

from tests.api.permission_matrix import make_admin
from tests.api.support import client_for, error
from tests.factories import make_agent, make_requester, make_supervisor
from tickets.choices import EventKind
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

NEW = {"subject": "Phone line dead", "description": "Called in at 9.", "urgency": "high"}
STAFF = {
    "agent I": lambda: make_agent(1),
    "agent II": lambda: make_agent(2),
    "agent III": lambda: make_agent(3),
    "supervisor": make_supervisor,
    "admin": make_admin,
}


@pytest.mark.parametrize("who", list(STAFF))
@pytest.mark.parametrize("named_by", ["id", "username", "email"])
def test_staff_file_for_a_requester_named_by_id_login_or_address(who, named_by):
    staff = STAFF[who]()
    budi = make_requester(username="budi", email="Budi@Example.com", first_name="Budi")
    name = {"id": str(budi.pk), "username": "BUDI", "email": "budi@example.com"}[named_by]
    response = client_for(staff).post("/api/v1/tickets/", {**NEW, "requester": name, "channel": "phone"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["requester"]["id"] == budi.pk
    assert body["channel"] == "phone"
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.channel) == (budi, "phone")
    assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.CREATED).actor == staff
    events = client_for(staff).get(f"/api/v1/tickets/{ticket.reference}/events/").json()
    created = [e for e in events if e["kind"] == "created"]
    assert [e["actor"]["id"] for e in created] == [staff.pk]


def test_the_ticket_page_says_who_filed_it_for_whom(client):
    agent = make_agent(1, first_name="Ayu", last_name="Lestari")
    budi = make_requester(first_name="Budi", last_name="Santoso")
    client_for(agent).post("/api/v1/tickets/", {**NEW, "requester": budi.username, "channel": "chat"})
    ticket = Ticket.objects.get()
    client.force_login(agent)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "Ayu Lestari" in page
    assert "filed the ticket for Budi Santoso by chat" in page
    client.force_login(budi)
    assert "filed the ticket for Budi Santoso by chat" in client.get(ticket.get_absolute_url()).content.decode()


def test_staff_without_a_requester_file_for_themselves_and_the_channel_defaults_to_api():
    agent = make_agent(1)
    response = client_for(agent).post("/api/v1/tickets/", NEW)
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.channel) == (agent, "api")


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"requester": "someone"}, "requester"),
        ({"channel": "phone"}, "channel"),
        ({"requester": "self", "channel": "api"}, "requester"),
    ],
)
def test_a_requester_may_not_name_another_requester_or_a_channel(extra, field):
    requester = make_requester(username="self")
    make_requester(username="someone")
    response = client_for(requester).post("/api/v1/tickets/", {**NEW, **extra})
    assert response.status_code == 400
    body = error(response)
    assert field in body["fields"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "value",
    [
        "",
        "nobody",
        "999999",
        "99999999999999999999999999",
        "-1",
        "' OR 1=1 --",
        '"<b>&</b>"',
        "🙂",
        "Ñ" * 250,
        "a\r\nb",
        "a\x00b",
        "x" * 300,
        "inactive",
        "dup@example.com",
    ],
)
def test_an_unknown_or_hostile_requester_is_a_400_and_files_nothing(value):
    make_requester(username="inactive", is_active=False)
    make_requester(username="dup1", email="dup@example.com")
    make_requester(username="dup2", email="DUP@example.com")
    response = client_for(make_agent(1)).post("/api/v1/tickets/", {**NEW, "requester": value, "channel": "phone"})
    assert response.status_code == 400, response.content
    assert "requester" in error(response)["fields"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("value", [123, True, ["budi"], {"id": 1}, None])
def test_a_requester_of_the_wrong_type_is_a_400(value):
    make_requester(username="budi")
    response = client_for(make_agent(1)).post(
        "/api/v1/tickets/", {**NEW, "requester": value, "channel": "phone"}, format="json"
    )
    assert response.status_code == 400, response.content  # 123: no account has that id
    assert not Ticket.objects.exists()


def test_the_schema_documents_the_requester_field(client):
    client.force_login(make_agent(1))
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"the person the ticket is filed for" in response.content
