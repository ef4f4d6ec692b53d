"""Hostile and wrong-typed bodies to the watchers, links and merge endpoints: always the
documented error (never a 500), and nothing saved; and what the answers show."""

import pytest

from tests.api.support import client_for, error
from tests.factories import TicketFactory, make_agent, make_requester
from tickets.models import Ticket, TicketEvent, TicketLink, TicketWatcher

pytestmark = pytest.mark.django_db

TEXT = [
    "",
    " ",
    "'\"<>&",
    "🙂" * 100,
    "ä" * 250,
    "HD-000001\r\nX: 1",
    "x" * 100_000,
    "\x00",
    "HD-" + "9" * 40,
]
WRONG_TYPES = [None, 1, 1.5, True, [], ["HD-000001"], {"a": 1}]


def saved() -> tuple:
    return (
        TicketWatcher.objects.count(),
        TicketLink.objects.count(),
        TicketEvent.objects.count(),
        list(Ticket.objects.order_by("pk").values_list("status", "merged_into")),
    )


@pytest.mark.parametrize("value", TEXT + WRONG_TYPES, ids=[f"value-{n}" for n in range(len(TEXT + WRONG_TYPES))])
@pytest.mark.parametrize(
    ("action", "key"), [("watchers", "email"), ("links", "to"), ("links", "kind"), ("merge", "into")]
)
def test_a_hostile_value_is_refused_with_the_documented_error_and_nothing_saved(action, key, value):
    ticket = TicketFactory(level=1, status="open")
    other = TicketFactory(level=1, status="open")
    body = {"to": other.reference, "kind": "related"} if action == "links" else {}
    body[key] = value
    before = saved()
    response = client_for(make_agent(1)).post(f"/api/v1/tickets/{ticket.reference}/{action}/", body, format="json")
    assert response.status_code in (400, 409), response.content[:300]
    assert error(response)["message"]
    assert saved() == before


def test_the_watchers_list_names_people_but_never_their_addresses():
    ticket = TicketFactory()
    colleague = make_requester(email="secret.address@example.com", first_name="Sari")
    TicketWatcher.objects.create(ticket=ticket, user=colleague)
    response = client_for(ticket.requester).get(f"/api/v1/tickets/{ticket.reference}/watchers/")
    assert response.status_code == 200
    assert response.json()[0]["user"]["id"] == colleague.pk
    assert "secret.address" not in response.content.decode()


def test_a_merged_ticket_says_where_it_went():
    agent = make_agent(1)
    duplicate, target = TicketFactory(status="open"), TicketFactory(status="open")
    client = client_for(agent)
    merged = client.post(f"/api/v1/tickets/{duplicate.reference}/merge/", {"into": target.reference}, format="json")
    assert (merged.status_code, merged.json()["reference"], merged.json()["merged_into"]) == (
        200,
        target.reference,
        None,
    )
    shown = client.get(f"/api/v1/tickets/{duplicate.reference}/").json()
    assert (shown["status"], shown["merged_into"]) == ("closed", target.reference)
    again = client.post(f"/api/v1/tickets/{duplicate.reference}/merge/", {"into": target.reference}, format="json")
    assert again.status_code == 409


@pytest.mark.parametrize("query", ["ordering=%28p2%3F%F2%97%AD%B6%26", "ordering=-created_at", "q=%00", "page=-1"])
def test_the_lists_take_no_query_and_never_fail_on_one(query):
    ticket = TicketFactory()
    TicketWatcher.objects.create(ticket=ticket, user=make_requester())
    client = client_for(make_agent(1))
    for path in ("watchers", "links", "reminders"):
        response = client.get(f"/api/v1/tickets/{ticket.reference}/{path}/?{query}")
        assert response.status_code == 200, (path, response.content[:200])
