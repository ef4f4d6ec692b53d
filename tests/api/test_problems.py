"""Hostile input to the problems API and to a ticket's parent: quotes and markup, emoji,
long Unicode, line breaks, NUL, empty, huge and wrong types. Each is either saved cleaned
or refused with 400 in the documented shape; never a 500, never a half-saved problem."""

import pytest

from problems.models import Problem, ProblemEvent, ProblemIncident
from tests.api.support import client_for, error
from tests.factories import TicketFactory, make_agent
from tests.problems.support import problem_with
from tickets.choices import Status
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

TEXTS = ["' \" < > &", "🙂🔥", "é" * 250, "line one\r\nline two", "\x00", "", " ", "x" * 20001]
WRONG_TYPES = [123, ["a"], {"a": 1}, None, True]


def _saved() -> tuple:
    return (
        list(Problem.objects.order_by("pk").values()),
        list(ProblemIncident.objects.order_by("pk").values()),
        ProblemEvent.objects.count(),
        list(Ticket.objects.order_by("pk").values()),
        TicketEvent.objects.count(),
    )


@pytest.mark.parametrize("title", [*TEXTS, *WRONG_TYPES], ids=lambda value: repr(value)[:20])
def test_a_new_problem_s_title_is_saved_cleaned_or_refused(title):
    client = client_for(make_agent(1))
    before = _saved()
    response = client.post("/api/v1/problems/", {"title": title, "description": "Desc\r\n<b>"}, format="json")
    assert response.status_code in (201, 400), response.content
    if response.status_code == 400:
        error(response)
        assert _saved() == before
    else:
        problem = Problem.objects.get()
        assert problem.title and "\x00" not in problem.title and "\n" not in problem.title
        assert problem.description == "Desc\n<b>"


@pytest.mark.parametrize("field", ["root_cause", "workaround", "description", "title", "owner", "status"])
@pytest.mark.parametrize("value", [*TEXTS, *WRONG_TYPES, 2**70, -1], ids=lambda value: repr(value)[:20])
def test_a_change_is_saved_cleaned_or_refused_whole(field, value):
    problem = problem_with(TicketFactory())
    client = client_for(make_agent(1))
    before = _saved()
    response = client.patch(f"/api/v1/problems/{problem.reference}/", {field: value, "title": "Kept?"}, format="json")
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        error(response)
        assert _saved() == before
    else:
        problem.refresh_from_db()
        assert "\x00" not in getattr(problem, field if field != "owner" else "title")


@pytest.mark.parametrize("reference", [*TEXTS, *WRONG_TYPES, "HD-" + "9" * 40, "PRB-000001"], ids=repr)
def test_linking_something_that_is_not_a_ticket_is_a_400(reference):
    problem = problem_with(TicketFactory())
    client = client_for(make_agent(1))
    before = _saved()
    response = client.post(f"/api/v1/problems/{problem.reference}/incidents/", {"ticket": reference}, format="json")
    assert response.status_code == 400, response.content
    error(response)
    assert _saved() == before


@pytest.mark.parametrize(
    "body",
    [
        {"resolution": "\x00"},
        {"resolution": ""},
        {"resolution": "x" * 20001},
        {"resolution": "ok", "status": "open"},
        {"resolution": "ok", "resolve_incidents": "perhaps"},
        {"resolution": ["ok"]},
        {},
    ],
    ids=lambda body: repr(body)[:30],
)
def test_a_bad_resolution_resolves_nothing(body):
    ticket = TicketFactory(status=Status.OPEN)
    problem = problem_with(ticket)
    client = client_for(make_agent(1))
    before = _saved()
    response = client.post(f"/api/v1/problems/{problem.reference}/resolve/", body, format="json")
    assert response.status_code == 400, response.content
    error(response)
    assert _saved() == before


@pytest.mark.parametrize(
    "params",
    [{"q": "\x00"}, {"q": "x" * 5000}, {"q": "' \" < > & 🙂"}, {"status": "nope"}, {"page_size": "-1"}],
    ids=repr,
)
def test_the_list_takes_any_filter_without_a_server_error(params):
    problem_with(TicketFactory())
    response = client_for(make_agent(1)).get("/api/v1/problems/", params)
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        error(response)


@pytest.mark.parametrize("parent", [*TEXTS, *WRONG_TYPES, "HD-" + "9" * 40], ids=lambda value: repr(value)[:20])
def test_a_parent_that_is_not_a_ticket_is_a_400(parent):
    ticket = TicketFactory(status=Status.OPEN)
    client = client_for(make_agent(1))
    before = _saved()
    response = client.put(f"/api/v1/tickets/{ticket.reference}/parent/", {"parent": parent}, format="json")
    assert response.status_code == 400, response.content
    error(response)
    assert _saved() == before


def test_a_cycle_through_the_api_is_a_400_with_the_reason():
    agent = make_agent(1)
    parent, child = TicketFactory(status=Status.OPEN), TicketFactory(status=Status.OPEN)
    client = client_for(agent)
    assert client.put(f"/api/v1/tickets/{child.reference}/parent/", {"parent": parent.reference}).status_code == 200
    response = client.put(f"/api/v1/tickets/{parent.reference}/parent/", {"parent": child.reference}, format="json")
    assert response.status_code == 400
    assert "already below" in error(response)["message"]
    closed = TicketFactory(status=Status.CLOSED)
    response = client.put(f"/api/v1/tickets/{child.reference}/parent/", {"parent": closed.reference}, format="json")
    assert response.status_code == 409


def test_resolving_a_parent_through_the_api_resolves_its_children():
    parent = TicketFactory(status=Status.OPEN)
    child = TicketFactory(status=Status.OPEN, parent=parent)
    response = client_for(make_agent(1)).post(
        f"/api/v1/tickets/{parent.reference}/resolve/", {"resolution": "Power restored"}, format="json"
    )
    assert response.status_code == 200
    child.refresh_from_db()
    assert (child.status, child.resolution) == (Status.RESOLVED, "Power restored")


def test_the_problem_list_costs_the_same_queries_with_more_problems(django_assert_max_num_queries):
    client = client_for(make_agent(1))
    problem_with(TicketFactory())
    client.get("/api/v1/problems/")
    for _ in range(5):
        problem_with(TicketFactory())
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/problems/")
    assert len(response.json()["results"]) == 6
