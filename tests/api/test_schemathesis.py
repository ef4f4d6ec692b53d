"""Property-based tests of the running API against its own OpenAPI schema.

A live server answers real HTTP requests, authenticated with real API tokens. Schemathesis
loads /api/schema/ from that server, generates requests from it (valid and invalid ones)
and checks that none fails with a server error and that every answer is documented: its
status code, content type, headers and body.
"""

from dataclasses import dataclass

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import api_token_create
from problems import services as problem_services
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import Status

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SEED = 20240611
MAX_EXAMPLES = 50


@dataclass
class Seeded:
    """Rows the generated requests are pointed at, so that actions reach the services."""

    references: list[str]
    problem_references: list[str]
    attachment_ids: list[int]
    agent_ids: list[int]
    keys: dict[str, str]


def _seed() -> Seeded:
    requester = make_requester()
    supervisor = make_supervisor()
    agents = [make_agent(1), make_agent(2), make_agent(3)]
    now = timezone.now()
    resolved = {"status": Status.RESOLVED, "resolved_at": now, "first_response_at": now, "resolution": "Fixed."}
    tickets = [
        TicketFactory(requester=requester, level=1),
        TicketFactory(requester=requester, level=2, status=Status.OPEN, assignee=agents[1]),
        TicketFactory(requester=requester, level=3, status=Status.PENDING, assignee=agents[2]),
        TicketFactory(requester=requester, level=1, **resolved),
        TicketFactory(requester=requester, level=2, **resolved),
        TicketFactory(requester=requester, level=1, status=Status.CLOSED, resolved_at=now, closed_at=now),
        # Someone else's: 404 for the requester.
        TicketFactory(level=1),
    ]
    attachment_ids = []
    for internal in (False, True):
        comment = services.comment_add(
            ticket_id=tickets[0].pk,
            author=agents[0],
            body="Looks like the fuser" if internal else "Please restart it",
            internal=internal,
            attachments=[SimpleUploadedFile("log.txt", b"error at 10:02", content_type="text/plain")],
        )
        attachment_ids += list(comment.attachments.values_list("pk", flat=True))
    keys = {
        "supervisor": api_token_create(user=supervisor, name="schemathesis")[1],
        "requester": api_token_create(user=requester, name="schemathesis")[1],
    }
    problem = problem_services.problem_create(
        by=supervisor, title="Printers drop off the network", ticket_id=tickets[1].pk
    )
    problem_services.problem_update(problem_id=problem.pk, by=supervisor, changes={"workaround": "Print by IP address"})
    services.ticket_parent_set(ticket_id=tickets[2].pk, by=supervisor, parent_reference=tickets[1].reference)
    return Seeded(
        references=[ticket.reference for ticket in tickets],
        problem_references=[problem.reference, "PRB-999999"],
        attachment_ids=attachment_ids,
        agent_ids=[agent.pk for agent in agents],
        keys=keys,
    )


@pytest.fixture
def seeded(reference_data, monkeypatch) -> Seeded:
    # Hundreds of requests a minute from one token: lift the throttle for this test only.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100000/minute", "user": "100000/minute"})
    return _seed()


@pytest.fixture(params=["supervisor", "requester"])
def caller(request) -> str:
    return request.param


def _one_of(values: list, generated):
    """A seeded value most of the time, or the generated one (which names nothing)."""
    return st.sampled_from([*values, generated])


@pytest.fixture
def api_schema(request, live_server, seeded, caller):
    # schemathesis 4.32 renames the running test through Node._nodeid, which pytest 9.2 no longer has.
    request.node._nodeid = request.node.nodeid
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"deterministic": True, "database": "none"},
            # No OpenAPI links to follow, so no stateful phase.
            "phases": {"stateful": {"enabled": False}},
        }
    )
    loaded = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json", config=config)
    loaded.config.update(base_url=live_server.url, headers={"Authorization": f"Bearer {seeded.keys[caller]}"})

    @loaded.hook
    def flatmap_path_parameters(context, path_parameters):
        if (
            path_parameters
            and "reference" in path_parameters
            and context.operation.path.startswith("/api/v1/problems/")
        ):
            return _one_of(seeded.problem_references, path_parameters["reference"]).map(
                lambda reference: {**path_parameters, "reference": reference}
            )
        if path_parameters and "reference" in path_parameters:
            return _one_of(seeded.references, path_parameters["reference"]).map(
                lambda reference: {**path_parameters, "reference": reference}
            )
        if path_parameters and "agent_id" in path_parameters:
            return _one_of(seeded.agent_ids, path_parameters["agent_id"]).map(
                lambda pk: {**path_parameters, "agent_id": pk}
            )
        if path_parameters and "id" in path_parameters:
            return _one_of(seeded.attachment_ids, path_parameters["id"]).map(lambda pk: {**path_parameters, "id": pk})
        return st.just(path_parameters)

    @loaded.hook
    def flatmap_body(context, body):
        if context.operation.path.endswith("/assign/") and isinstance(body, dict) and "assignee" in body:
            return _one_of(seeded.agent_ids, body["assignee"]).map(lambda pk: {**body, "assignee": pk})
        # A link or merge names another ticket: mostly one that exists.
        for suffix, key in (("/merge/", "into"), ("/links/", "to")):
            if context.operation.path.endswith(suffix) and isinstance(body, dict) and key in body:
                return _one_of(seeded.references, body[key]).map(lambda reference, key=key: {**body, key: reference})
        return st.just(body)

    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # No shrinking: a failure is reported with its curl line; shrinking against a live server is slow.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_the_api_answers_as_documented(case):
    case.call_and_validate(checks=CHECKS)


# Regressions found by the run above.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("created_after", "status"),
    [
        ("2024-04-20T07:03:19+16:00", 200),  # beyond the ±15:59 PostgreSQL accepts
        ("0398-04-20T07:03:19-17:29", 200),
        ("0001-01-01T00:00:00+14:00", 400),  # before year 1 in UTC
        ("9999-12-31T23:59:59-14:00", 400),  # after year 9999 in UTC
    ],
)
def test_date_filters_take_any_utc_offset_without_a_server_error(created_after, status):
    ticket = TicketFactory()
    client = APIClient()
    client.force_authenticate(make_supervisor())
    response = client.get("/api/v1/tickets/", {"created_after": created_after})
    assert response.status_code == status, response.content
    if status == 200:
        assert [row["reference"] for row in response.json()["results"]] == [ticket.reference]
    else:
        assert set(response.json()["error"]["fields"]) == {"created_after"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/attachments/null,null/", "/api/v1/tickets/HD-000001/comments/extra/", "/api/v1/nothing/"]
)
def test_a_path_that_names_nothing_is_a_json_404(path):
    client = APIClient()
    assert client.get(path).status_code == 401
    client.force_authenticate(make_requester())
    response = client.post(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/tickets")["Location"] == "/api/v1/tickets/"
