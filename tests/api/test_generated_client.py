"""A client generated from the API's OpenAPI schema works: openapi-python-client (a widely
used generator) builds a Python package from /api/schema/ as the live app serves it, every
module of it imports, and people in three roles drive a ticket through its life with it,
errors included, against the live server."""

import importlib
import io
import json
import pkgutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from accounts.services import api_token_create
from tests.factories import make_agent, make_requester

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "helpdesk_generated_client"


@pytest.fixture
def client_package(live_server, reference_data, tmp_path):
    """The package generated from the served schema, importable for this test only."""
    with urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json", timeout=30) as response:  # noqa: S310
        (tmp_path / "schema.json").write_bytes(response.read())
    generated = subprocess.run(
        [GENERATOR, "generate", "--path", "schema.json", "--meta", "none", "--output-path", PACKAGE],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_every_module_of_the_generated_client_imports(client_package):
    broken = {}
    modules = list(pkgutil.walk_packages(client_package.__path__, f"{PACKAGE}."))
    for module in modules:
        try:
            importlib.import_module(module.name)
        except Exception as exc:  # noqa: BLE001 - each failure is reported by name
            broken[module.name] = repr(exc)
    assert len(modules) > 40
    assert broken == {}


def test_a_ticket_lives_its_life_through_the_generated_client(client_package, live_server):
    api = importlib.import_module(f"{PACKAGE}.api.tickets")
    m = importlib.import_module(f"{PACKAGE}.models")
    File = importlib.import_module(f"{PACKAGE}.types").File
    me_retrieve = importlib.import_module(f"{PACKAGE}.api.me.me_retrieve")
    categories_list = importlib.import_module(f"{PACKAGE}.api.categories.categories_list")

    def call(operation: str, **kwargs):
        module = importlib.import_module(f"{api.__name__}.{operation}")
        return module.sync(**kwargs)

    def client_for(user):
        key = api_token_create(user=user, name="generated client")[1]
        return client_package.AuthenticatedClient(base_url=live_server.url, token=key)

    requester, first, second = make_requester(), make_agent(1), make_agent(2)
    mine, agent1, agent2 = client_for(requester), client_for(first), client_for(second)

    assert me_retrieve.sync(client=mine).username == requester.username
    email = next(c for c in categories_list.sync(client=mine) if c.name == "Email")
    new = m.TicketCreateRequest(
        subject="Outlook cannot send", description="Since 9:00.", urgency=m.UrgencyEnum.HIGH, category=email.id
    )
    ticket = call("tickets_create", client=mine, body=new, idempotency_key="outlook-1")
    assert isinstance(ticket, m.Ticket) and ticket.level == 1
    retried = importlib.import_module(f"{api.__name__}.tickets_create").sync_detailed(
        client=mine, body=new, idempotency_key="outlook-1"
    )
    assert retried.parsed.reference == ticket.reference
    assert retried.headers["Idempotent-Replayed"] == "true"

    # Errors come back as the documented Error model, field errors included.
    blank = m.TicketCreateRequest(subject=" ", description="", urgency=m.UrgencyEnum.LOW)
    refused = call("tickets_create", client=mine, body=blank)
    assert isinstance(refused, m.Error) and refused.error.status == 400
    assert set(refused.error.fields.additional_properties) == {"subject", "description"}
    assert (
        call("tickets_escalate", client=mine, reference=ticket.reference, body=m.ReasonRequest(reason="x")).error.status
        == 403
    )

    listed = call("tickets_list", client=agent1, status=[m.TicketsListStatusItem.NEW], category=email.id)
    assert isinstance(listed, m.PaginatedTicketList)
    assert [row.reference for row in listed.results] == [ticket.reference]

    taken = call("tickets_take", client=agent1, reference=ticket.reference)
    assert taken.assignee.username == first.username
    patch = m.PatchedTicketUpdateRequest(impact=m.ImpactEnum.HIGH)
    changed = call(
        "tickets_partial_update", client=agent1, reference=ticket.reference, body=patch, if_match=taken.version
    )
    assert isinstance(changed, m.Ticket) and changed.impact == m.ImpactEnum.HIGH
    stale = call(
        "tickets_partial_update", client=agent1, reference=ticket.reference, body=patch, if_match=taken.version
    )
    assert isinstance(stale, m.Error) and stale.error.status == 409
    reopened = call("tickets_reopen", client=agent1, reference=ticket.reference, body=m.ReasonRequest(reason="x"))
    assert isinstance(reopened, m.Error) and reopened.error.code == "transition"
    escalated = call(
        "tickets_escalate", client=agent1, reference=ticket.reference, body=m.ReasonRequest(reason="Relay")
    )
    assert escalated.level == 2

    note = m.CommentCreateRequest(
        body="The relay rejects our certificate.",
        internal=True,
        files=[File(payload=io.BytesIO(b"TLS alert 42"), file_name="relay.log", mime_type="text/plain")],
    )
    comment = call("tickets_comments_create", client=agent2, reference=ticket.reference, body=note)
    assert isinstance(comment, m.Comment) and comment.is_internal
    assert [attachment.original_name for attachment in comment.attachments] == ["relay.log"]
    resolved = call(
        "tickets_resolve", client=agent2, reference=ticket.reference, body=m.ResolveRequest(resolution="New cert.")
    )
    assert resolved.status == m.TicketStatusEnum.RESOLVED

    # The requester sees neither the internal note nor its file; the audit trail and SLA read back typed.
    assert call("tickets_comments_list", client=mine, reference=ticket.reference) == []
    assert call("tickets_attachments_list", client=mine, reference=ticket.reference) == []
    kinds = [event.kind for event in call("tickets_events_list", client=agent2, reference=ticket.reference)]
    assert (
        kinds[0] == m.EventKindEnum.CREATED
        and m.EventKindEnum.ESCALATED in kinds
        and kinds[-1] == m.EventKindEnum.RESOLVED
    )
    sla = call("tickets_sla_retrieve", client=mine, reference=ticket.reference)
    assert isinstance(sla, m.Sla) and {line.metric for line in sla.lines} == {"first_response", "resolution"}
    assert json.loads(json.dumps(sla.to_dict(), default=str))["policy"]
