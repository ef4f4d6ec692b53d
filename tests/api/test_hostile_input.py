"""Hostile input to the API: bodies nested far past any the API takes, filters and page
sizes with values past what ids, dates and the database hold. Every one is answered with
400 in the documented error shape, never a 500, and nothing is saved."""

import pytest

from api.exceptions import exception_handler
from api.parsers import MAX_JSON_DEPTH, nesting_exceeds
from tests.api.support import client_for, error
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets.models import Comment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

HOSTILE = ["0001-01", "9999-12", "-1", str(10**30), "abc", "", "2026-03\r\nX: 1", "😀", "\x00"]


def nested(depth: int, opening: str = "[", closing: str = "]") -> str:
    return opening * depth + closing * depth


def nested_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


DEEP_BODIES = {
    "list 100000": nested(100_000),
    "object 100000": nested_object(100_000),
    "list just past the bound": nested(MAX_JSON_DEPTH + 1),
    "object 2000 under a field": '{"subject": ' + nested_object(2000) + "}",
}


def json_endpoints(ticket: Ticket) -> list[tuple[str, str]]:
    base = f"/api/v1/tickets/{ticket.reference}"
    return [
        ("post", "/api/v1/tickets/"),
        ("patch", f"{base}/"),
        *(
            ("post", f"{base}/{action}/")
            for action in ("assign", "escalate", "de-escalate", "resolve", "reopen", "status")
        ),
        ("post", f"{base}/priority/"),
        ("post", f"{base}/comments/"),
        *(("post", f"{base}/{action}/") for action in ("watchers", "links", "merge")),
    ]


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
def test_json_nested_too_deep_is_a_400_on_every_endpoint_that_reads_json(body):
    ticket = TicketFactory(level=1)
    client = client_for(make_supervisor())
    events_before = TicketEvent.objects.count()
    for method, url in json_endpoints(ticket):
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == 400, (method, url, response.status_code)
        assert error(response)["code"] == "parse_error"
    assert Ticket.objects.count() == 1
    assert Comment.objects.count() == 0
    assert TicketEvent.objects.count() == events_before


def test_an_action_that_takes_no_body_ignores_a_deep_one():
    ticket = TicketFactory(level=1)
    client = client_for(make_agent(1))
    response = client.post(
        f"/api/v1/tickets/{ticket.reference}/take/", nested(100_000), content_type="application/json"
    )
    assert response.status_code == 200


def test_a_requester_s_deep_body_is_a_400_too():
    response = client_for(make_requester()).post("/api/v1/tickets/", nested(100_000), content_type="application/json")
    assert response.status_code == 400
    assert error(response)["code"] == "parse_error"
    assert not Ticket.objects.exists()


def test_a_body_as_deep_as_the_bound_is_read():
    client = client_for(make_requester())
    body = '{"subject": "VPN", "description": "Drops", "urgency": "low", "extra": ' + nested(MAX_JSON_DEPTH - 1) + "}"
    response = client.post("/api/v1/tickets/", body, content_type="application/json")
    assert response.status_code == 201, response.json()


def test_the_nesting_check_counts_objects_and_lists_without_recursing():
    assert not nesting_exceeds({"a": [1, {"b": 2}]}, 3)
    assert nesting_exceeds({"a": [1, {"b": [2]}]}, 3)
    assert not nesting_exceeds("text", 0)
    deep: list = []
    for _ in range(200_000):
        deep = [deep]
    assert nesting_exceeds(deep, MAX_JSON_DEPTH)


@pytest.mark.parametrize("exc", [RecursionError("maximum recursion depth exceeded"), OverflowError("date value")])
def test_the_exception_handler_turns_an_overflowing_parse_into_a_400(exc):
    response = exception_handler(exc, {})
    assert response.status_code == 400
    assert response.data["error"]["status"] == 400
    assert response.data["error"]["code"] == "parse_error"
    assert response.data["error"]["message"]


FILTERS = [
    "created_after",
    "created_before",
    "updated_after",
    "updated_before",
    "assignee",
    "requester",
    "category",
    "status",
    "level",
    "priority",
    "channel",
    "unassigned",
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("name", FILTERS)
def test_a_hostile_filter_is_a_400_or_ignored_never_a_server_error(name, value):
    TicketFactory()
    response = client_for(make_agent(1)).get("/api/v1/tickets/", {name: value})
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert name in error(response)["fields"]
    elif value != "":
        # Only an empty value (no filter) or a value the filter takes may be ignored.
        assert name == "unassigned"


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-15:00", "0001-01-01T00:00:00+15:00"]
)
def test_instants_at_the_ends_of_the_calendar_are_refused(value):
    response = client_for(make_agent(1)).get("/api/v1/tickets/", {"created_after": value})
    assert response.status_code == 400


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("name", ["page_size", "cursor", "ordering", "q"])
def test_hostile_paging_and_ordering_are_never_a_server_error(name, value):
    TicketFactory.create_batch(3)
    response = client_for(make_agent(1)).get("/api/v1/tickets/", {name: value})
    assert response.status_code in (200, 400, 404), response.content
    if response.status_code == 200:
        assert len(response.json()["results"]) <= 100
    else:
        error(response)


def test_a_page_is_never_larger_than_the_bound():
    TicketFactory.create_batch(3)
    client = client_for(make_agent(1))
    response = client.get("/api/v1/tickets/", {"page_size": str(10**30)})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


@pytest.mark.parametrize("segment", ["abc", "%0A", "%0D%0Ax", "%00", "1%0A", "%F0%9F%98%80", "a/b"])
def test_a_path_that_names_no_row_is_a_json_404_whatever_it_holds(segment):
    response = client_for(make_agent(1)).get(f"/api/v1/vendor-escalations/{segment}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    error(response)
