import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.services import api_token_create, api_token_revoke
from api.models import IdempotencyKey
from tests.api.support import client_for, error
from tests.factories import TicketFactory, category, make_agent, make_requester, make_supervisor
from tickets.choices import Status
from tickets.models import Attachment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


NEW = {"subject": "VPN drops every hour", "description": "Since Monday.", "urgency": "high"}


def test_a_requester_files_a_ticket_and_reads_it_back():
    requester = make_requester()
    client = client_for(requester)
    response = client.post("/api/v1/tickets/", {**NEW, "category": category("Email").pk})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["subject"] == NEW["subject"]
    assert body["channel"] == "api"
    assert body["requester"]["id"] == requester.pk
    assert response["Location"] == f"/api/v1/tickets/{body['reference']}/"
    assert response["ETag"] == body["version"]
    again = client.get(response["Location"])
    assert again.status_code == 200
    assert again.json()["reference"] == body["reference"]


def test_bad_input_names_each_field_and_saves_nothing():
    client = client_for(make_requester())
    response = client.post("/api/v1/tickets/", {"subject": "", "urgency": "whenever", "category": 99999})
    assert response.status_code == 400
    body = error(response)
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"subject", "description", "urgency", "category"}
    assert Ticket.objects.count() == 0
    assert client.post("/api/v1/tickets/", "not json", content_type="application/json").status_code == 400


def test_a_retried_create_with_the_same_idempotency_key_makes_one_ticket():
    client = client_for(make_requester())
    first = client.post("/api/v1/tickets/", NEW, HTTP_IDEMPOTENCY_KEY="abc-123")
    second = client.post("/api/v1/tickets/", NEW, HTTP_IDEMPOTENCY_KEY="abc-123")
    assert first.status_code == second.status_code == 201
    assert second.json()["reference"] == first.json()["reference"]
    assert second["Idempotent-Replayed"] == "true"
    assert second["Location"] == first["Location"]
    assert Ticket.objects.count() == 1
    other = client.post("/api/v1/tickets/", {**NEW, "subject": "Other"}, HTTP_IDEMPOTENCY_KEY="abc-123")
    assert other.status_code == 409
    assert Ticket.objects.count() == 1
    # Keys are per person: someone else's same key is a new request.
    assert client_for(make_requester()).post("/api/v1/tickets/", NEW, HTTP_IDEMPOTENCY_KEY="abc-123").status_code == 201
    assert Ticket.objects.count() == 2
    # A refused request leaves its key unused.
    assert client.post("/api/v1/tickets/", {}, HTTP_IDEMPOTENCY_KEY="k2").status_code == 400
    assert not IdempotencyKey.objects.filter(key="k2").exists()


def test_list_filters_orders_and_pages_with_a_cursor():
    agent = make_agent(1)
    tickets = [TicketFactory(level=1 + n % 3, subject=f"Ticket {n}") for n in range(7)]
    TicketFactory(level=1, assignee=agent, status=Status.OPEN, subject="Printer jam on floor 3")
    client = client_for(agent)
    page = client.get("/api/v1/tickets/", {"page_size": 3})
    assert page.status_code == 200
    body = page.json()
    assert len(body["results"]) == 3
    seen = [row["reference"] for row in body["results"]]
    while body["next"]:
        body = client.get(body["next"]).json()
        seen += [row["reference"] for row in body["results"]]
    assert len(seen) == len(set(seen)) == 8
    assert [r["reference"] for r in client.get("/api/v1/tickets/", {"level": [2, 3]}).json()["results"]] == [
        t.reference for t in reversed(tickets) if t.level in (2, 3)
    ]
    mine = client.get("/api/v1/tickets/", {"assignee": agent.pk}).json()["results"]
    assert [r["subject"] for r in mine] == ["Printer jam on floor 3"]
    assert [r["subject"] for r in client.get("/api/v1/tickets/", {"q": "printer"}).json()["results"]] == [
        "Printer jam on floor 3"
    ]
    oldest_first = client.get("/api/v1/tickets/", {"ordering": "created_at", "page_size": 2}).json()["results"]
    assert oldest_first[0]["reference"] == tickets[0].reference
    assert client.get("/api/v1/tickets/", {"created_after": "yesterday"}).status_code == 400


def test_staff_correct_impact_and_urgency_with_a_version_check():
    agent = make_agent(1)
    ticket = TicketFactory(level=1, status=Status.OPEN)
    client = client_for(agent)
    version = client.get(f"/api/v1/tickets/{ticket.reference}/")["ETag"]
    changed = client.patch(
        f"/api/v1/tickets/{ticket.reference}/", {"impact": "high", "urgency": "high"}, HTTP_IF_MATCH=version
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["priority"] == 1
    stale = client.patch(f"/api/v1/tickets/{ticket.reference}/", {"urgency": "low"}, HTTP_IF_MATCH=version)
    assert stale.status_code == 409
    assert error(stale)["code"] == "conflict"
    ticket.refresh_from_db()
    assert ticket.urgency == "high"


def test_actions_walk_a_ticket_through_its_life():
    agent1 = make_agent(1)
    agent2 = make_agent(2)
    requester = make_requester()
    ticket = TicketFactory(level=1, requester=requester)
    url = f"/api/v1/tickets/{ticket.reference}"
    one, two = client_for(agent1), client_for(agent2)
    assert one.post(f"{url}/take/").json()["assignee"]["id"] == agent1.pk
    assert (
        one.post(f"{url}/status/", {"status": "pending", "reason": "Asked for a screenshot"}).json()["status"]
        == "pending"
    )
    assert one.post(f"{url}/escalate/", {}).status_code == 400  # a reason is required
    escalated = one.post(f"{url}/escalate/", {"reason": "Needs the network team"})
    assert escalated.json()["level"] == 2
    assert one.post(f"{url}/take/").status_code == 403  # above agent1's level now
    assert two.post(f"{url}/assign/", {"assignee": agent2.pk}).json()["assignee"]["id"] == agent2.pk
    assert two.post(f"{url}/priority/", {"impact": "high", "urgency": "medium"}).json()["priority"] == 2
    assert two.post(f"{url}/de-escalate/", {"reason": "A Level I fix after all"}).json()["level"] == 1
    resolved = one.post(f"{url}/resolve/", {"resolution": "Replaced the switch port."})
    assert resolved.json()["status"] == "resolved"
    assert one.post(f"{url}/escalate/", {"reason": "x"}).status_code == 409
    owner = client_for(requester)
    assert owner.post(f"{url}/reopen/", {"reason": "Still drops"}).json()["status"] == "open"
    one.post(f"{url}/resolve/", {"resolution": "Replaced the cable too."})
    closed = owner.post(f"{url}/close/")
    assert closed.json()["status"] == "closed"
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert {"escalated", "de_escalated", "resolved", "reopened", "closed"} <= set(kinds)
    events = owner.get(f"{url}/events/").json()
    assert [e["kind"] for e in events] == kinds
    sla = owner.get(f"{url}/sla/").json()
    assert [line["metric"] for line in sla["lines"]] == ["first_response", "resolution"]


def test_comments_hide_internal_notes_from_the_requester():
    agent = make_agent(1)
    requester = make_requester()
    ticket = TicketFactory(level=1, requester=requester)
    url = f"/api/v1/tickets/{ticket.reference}/comments/"
    staff = client_for(agent)
    assert staff.post(url, {"body": "Looks like the RAM", "internal": True}).status_code == 201
    assert staff.post(url, {"body": "Please restart"}).status_code == 201
    owner = client_for(requester)
    assert [c["body"] for c in owner.get(url).json()] == ["Please restart"]
    assert len(staff.get(url).json()) == 2
    refused = owner.post(url, {"body": "note to self", "internal": True})
    assert refused.status_code == 403
    assert error(refused)["code"] == "not_allowed"


def test_attachments_upload_with_the_same_limits_as_the_pages(settings):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 1000
    requester = make_requester()
    ticket = TicketFactory(requester=requester)
    client = client_for(requester)
    url = f"/api/v1/tickets/{ticket.reference}/attachments/"
    ok = client.post(url, {"files": [SimpleUploadedFile("log.txt", b"error at 10:02")]}, format="multipart")
    assert ok.status_code == 201, ok.json()
    [saved] = ok.json()
    download = client.get(saved["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"error at 10:02"
    too_big = client.post(url, {"files": [SimpleUploadedFile("big.txt", b"x" * 1001)]}, format="multipart")
    assert too_big.status_code == 400
    assert "limit" in error(too_big)["message"]
    bad_type = client.post(url, {"files": [SimpleUploadedFile("run.exe", b"MZ")]}, format="multipart")
    assert bad_type.status_code == 400
    assert Attachment.objects.count() == 1
    assert client_for(make_requester()).get(saved["url"]).status_code == 404


def test_tokens_authenticate_until_revoked():
    agent = make_agent(1)
    token, key = api_token_create(user=agent, name="monitoring")
    client = APIClient()
    assert client.get("/api/v1/me/").status_code == 401
    assert error(client.get("/api/v1/me/"))["code"] == "not_authenticated"
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert (me.json()["username"], me.json()["role"], me.json()["levels"]) == (agent.username, "agent", [1])
    assert token.digest != key and key not in token.digest
    assert api_token_revoke(user=agent, token_id=token.pk)
    assert client.get("/api/v1/me/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Bearer hdk_made_up")
    assert client.get("/api/v1/me/").status_code == 401


def test_categories_and_levels():
    client = client_for(make_requester())
    assert "Email" in [c["name"] for c in client.get("/api/v1/categories/").json()]
    assert [level["number"] for level in client.get("/api/v1/levels/").json()] == [1, 2, 3]


def test_unknown_ticket_is_a_json_404():
    client = client_for(make_supervisor())
    for reference in ("HD-999999", "nonsense", "HD-"):
        response = client.get(f"/api/v1/tickets/{reference}/")
        assert response.status_code == 404
        assert error(response)["code"] == "not_found"


def test_anonymous_callers_and_users_are_throttled(monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    # The rates are read into the throttle classes when they load; set them for this test.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "4/minute"})
    try:
        anonymous = APIClient()
        codes = [anonymous.get("/api/v1/categories/").status_code for _n in range(5)]
        assert codes == [401, 401, 401, 429, 429]
        throttled = anonymous.get("/api/v1/categories/")
        assert error(throttled)["code"] == "throttled"
        assert int(throttled["Retry-After"]) > 0
        user = client_for(make_requester())
        assert [user.get("/api/v1/categories/").status_code for _n in range(5)] == [200, 200, 200, 200, 429]
    finally:
        cache.clear()


@pytest.mark.parametrize("time_zone", ["Asia/Jakarta", "Asia/Jayapura", "UTC"])
def test_the_declared_ticket_fields_give_what_the_model_s_own_fields_would(time_zone):
    from django.utils import timezone
    from rest_framework import serializers

    from tickets import services
    from tickets.api.serializers import PersonSerializer, TicketSerializer
    from tickets.models import Category

    class CategoryFromTheModel(serializers.ModelSerializer):
        class Meta:
            model = Category
            fields = ["id", "name", "description", "default_level", "default_impact"]

    class TicketFromTheModel(serializers.ModelSerializer):
        reference = serializers.CharField(read_only=True)
        url = serializers.SerializerMethodField()
        version = serializers.SerializerMethodField()
        requester = PersonSerializer(read_only=True)
        assignee = PersonSerializer(read_only=True, allow_null=True)
        category = CategoryFromTheModel(read_only=True, allow_null=True)
        get_url = TicketSerializer.get_url
        get_version = TicketSerializer.get_version

        class Meta:
            model = Ticket
            fields = list(TicketSerializer().fields)

    agent = make_agent(1, first_name="Budi", last_name="Santoso")
    requester = make_requester()
    filed = services.ticket_create(  # enum members, as the service leaves them, not values read back
        requester=requester,
        subject="Printer offline",
        description="2nd floor",
        urgency="high",
        category=category("Email"),
    )
    plain = TicketFactory(category=None, assignee=None)
    finished = TicketFactory(level=1, assignee=agent, status=Status.RESOLVED, resolution="Replaced the toner")
    Ticket.objects.filter(pk=finished.pk).update(
        first_response_at=timezone.now(), resolved_at=timezone.now(), closed_at=timezone.now()
    )
    finished = Ticket.objects.select_related("requester", "assignee", "category").get(pk=finished.pk)
    with timezone.override(time_zone):
        for ticket in (filed, plain, finished):
            declared, from_the_model = TicketSerializer(ticket).data, TicketFromTheModel(ticket).data
            assert list(declared) == list(from_the_model)
            assert declared == from_the_model, ticket
            assert [type(value) for value in declared.values()] == [type(value) for value in from_the_model.values()]
            assert declared["assignee"] is None or declared["assignee"]["name"] == "Budi Santoso"


@pytest.mark.parametrize("name", ["assignee", "requester", "category"])
def test_id_filters_take_whole_numbers_in_the_id_range(name):
    agent = make_agent(1)
    ticket = TicketFactory(assignee=agent, category=category("Email"))
    client = client_for(make_supervisor())
    value = {"assignee": agent.pk, "requester": ticket.requester_id, "category": ticket.category_id}[name]
    found = client.get("/api/v1/tickets/", {name: value})
    assert [row["reference"] for row in found.json()["results"]] == [ticket.reference]
    assert client.get("/api/v1/tickets/", {name: 2**63 - 1}).json()["results"] == []
    # Decimals, zero and numbers past 64 bits (which SQLite cannot compare) are refused.
    for bad in (f"{value}.5", "0", "-1", str(2**64)):
        response = client.get("/api/v1/tickets/", {name: bad})
        assert response.status_code == 400, (bad, response.content)
        assert set(error(response)["fields"]) == {name}
