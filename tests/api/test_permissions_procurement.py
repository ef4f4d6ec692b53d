"""The procurement API for every role: component reports and procurement requests (read,
create, each step), support staff only; deciding and approving for supervisors and
administrators; a refused request leaves every procurement row and asset as it was."""

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from assets.models import Asset
from procurement import services
from procurement.models import ComponentReport, ProcurementEvent, ProcurementItem, ProcurementRequest
from tests.api.permission_matrix import ROLES, Acts, Endpoint, World, actor_for, cells
from tests.factories import TicketFactory, make_agent, make_supervisor
from tickets.choices import Status
from vendors.models import Vendor

pytestmark = pytest.mark.django_db

# Columns:  anonymous, owner, other requester, agent L1, agent L2, agent L3, supervisor, admin
STAFF_READS = (401, 403, 403, 200, 200, 200, 200, 200)
STAFF_CREATES = (401, 403, 403, 201, 201, 201, 201, 201)
APPROVERS = (401, 403, 403, 403, 403, 403, 200, 200)


def _setup(state: str):
    def setup(level: int) -> World:
        world = World(level=level, ticket=TicketFactory(level=level, status=Status.OPEN))
        agent = make_agent(3, username=f"reporter-{state}-{level}")
        supervisor = make_supervisor(username=f"first-{state}-{level}")
        world.asset = Asset.objects.create(tag=f"LT-{state}-{level}", asset_type="laptop")
        world.vendor = Vendor.objects.create(name=f"Vendor {state} {level}")
        world.report = services.component_report_file(
            ticket_id=world.ticket.pk,
            by=agent,
            asset_tag=world.asset.tag,
            fault="Dead",
            recommendation="replace",
            estimated_cost="100",
        )
        world.procurement = services.procurement_create(
            by=agent,
            items=[{"description": "Laptop", "quantity": 1, "unit_cost": "100", "replaces_asset_tag": world.asset.tag}],
            reason="Broken",
            ticket_references=[world.ticket.reference],
            submit=state != "draft",
        )
        if state in ("approved", "ordered"):
            services.procurement_approve(request_id=world.procurement.pk, by=supervisor)
        if state == "ordered":
            services.procurement_order(
                request_id=world.procurement.pk,
                by=agent,
                supplier_id=world.vendor.pk,
                order_reference="PO-1",
                expected_on=date(2026, 12, 12),
            )
        return world

    return setup


class ProcurementEndpoint(Endpoint):
    def url(self, world: World) -> str:
        return self.path.format(ref=world.procurement.reference, file=world.report.pk, ticket=world.ticket.reference)


def _status(world, response, expected: str) -> None:
    world.procurement.refresh_from_db()
    assert world.procurement.status == expected
    assert response.json()["status"] == expected


def listed(world, response):
    assert len(response.json()["results"]) >= 1


def report_shown(world, response):
    assert response.json()["id"] == world.report.pk and "estimated_cost" in response.json()


def report_filed(world, response):
    assert response.json()["asset_tag"] == world.asset.tag
    assert ComponentReport.objects.filter(reported_by=world.actor).exists()


def report_decided(world, response):
    assert response.json()["status"] == "replace" and response.json()["procurement"]


def procurement_shown(world, response):
    assert response.json()["reference"] == world.procurement.reference


def procurement_created(world, response):
    assert ProcurementRequest.objects.get(requested_by=world.actor).total == Decimal("3.00")


def item_data(world):
    return {"items": [{"description": "Cable", "quantity": 3, "unit_cost": "1.00"}], "reason": "Desks"}


def received(world, response):
    _status(world, response, "received")
    assert Asset.objects.get(pk=world.asset.pk).status == "retired"


def receipt(world):
    item = world.procurement.items.get()
    return {"receipts": [{"item": item.pk, "tag": f"NEW-{world.asset.tag}", "asset_type": "laptop"}]}


PR = "/api/v1/procurement-requests/{ref}/"
ENDPOINTS = [
    ProcurementEndpoint("reports", "GET", "/api/v1/component-reports/", STAFF_READS, listed, _setup("submitted")),
    ProcurementEndpoint(
        "report-file",
        "POST",
        "/api/v1/component-reports/",
        (401, 403, 403, Acts(201), Acts(201), Acts(201), 201, 201),
        report_filed,
        _setup("submitted"),
        data=lambda world: {
            "ticket": world.ticket.reference,
            "asset_tag": world.asset.tag,
            "fault": "Broken <b>&</b> 🔥",
            "recommendation": "repair",
            "estimated_cost": "10.50",
        },
    ),
    ProcurementEndpoint(
        "report", "GET", "/api/v1/component-reports/{file}/", STAFF_READS, report_shown, _setup("submitted")
    ),
    ProcurementEndpoint(
        "report-decide",
        "POST",
        "/api/v1/component-reports/{file}/decide/",
        APPROVERS,
        report_decided,
        _setup("submitted"),
        data=lambda world: {"decision": "replace"},
    ),
    ProcurementEndpoint("requests", "GET", "/api/v1/procurement-requests/", STAFF_READS, listed, _setup("submitted")),
    ProcurementEndpoint(
        "request-create",
        "POST",
        "/api/v1/procurement-requests/",
        STAFF_CREATES,
        procurement_created,
        _setup("submitted"),
        data=item_data,
    ),
    ProcurementEndpoint("request", "GET", PR, STAFF_READS, procurement_shown, _setup("submitted")),
    ProcurementEndpoint(
        "submit", "POST", PR + "submit/", APPROVERS, lambda w, r: _status(w, r, "submitted"), _setup("draft")
    ),
    ProcurementEndpoint(
        "approve", "POST", PR + "approve/", APPROVERS, lambda w, r: _status(w, r, "approved"), _setup("submitted")
    ),
    ProcurementEndpoint(
        "reject",
        "POST",
        PR + "reject/",
        APPROVERS,
        lambda w, r: _status(w, r, "rejected"),
        _setup("submitted"),
        data=lambda world: {"reason": "Too dear"},
    ),
    ProcurementEndpoint(
        "order",
        "POST",
        PR + "order/",
        APPROVERS,
        lambda w, r: _status(w, r, "ordered"),
        _setup("approved"),
        data=lambda world: {"supplier": world.vendor.pk, "order_reference": "PO-9", "expected_on": "2026-12-20"},
    ),
    ProcurementEndpoint("receive", "POST", PR + "receive/", APPROVERS, received, _setup("ordered"), data=receipt),
    ProcurementEndpoint(
        "cancel",
        "POST",
        PR + "cancel/",
        APPROVERS,
        lambda w, r: _status(w, r, "cancelled"),
        _setup("submitted"),
        data=lambda world: {"reason": "Found a spare"},
    ),
]
# The endpoints take the level of their ticket into account only when filing a report.
for _endpoint in ENDPOINTS:
    object.__setattr__(_endpoint, "levels", (2,))


def _state() -> tuple:
    return (
        list(ProcurementRequest.objects.order_by("pk").values()),
        list(ComponentReport.objects.order_by("pk").values()),
        ProcurementItem.objects.count(),
        ProcurementEvent.objects.count(),
        list(Asset.objects.order_by("pk").values_list("tag", "status", "user_id")),
    )


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), list(cells(ENDPOINTS)))
def test_procurement_permission_matrix(endpoint, level, role, auth):
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
    before = _state()
    response = getattr(client, endpoint.method.lower())(endpoint.url(world), endpoint.data(world), format="json")
    assert response.status_code == expected, response.content[:500]
    if expected >= 400:
        assert response.json()["error"]["message"]
        assert _state() == before
        return
    endpoint.check(world, response)
    if endpoint.method == "GET":
        assert _state() == before
    else:
        assert ProcurementEvent.objects.count() > before[3]


def test_the_api_shows_the_service_s_reasons(settings):
    world = _setup("submitted")(1)
    client = APIClient()
    client.force_authenticate(actor_for("agent_l1", world))
    bad = client.post(
        "/api/v1/component-reports/",
        {
            "ticket": world.ticket.reference,
            "asset_tag": "GHOST",
            "fault": "x",
            "recommendation": "repair",
            "estimated_cost": "1",
        },
        format="json",
    )
    assert bad.status_code == 400 and "No asset has the tag “GHOST”." in bad.json()["error"]["message"]
    negative = client.post(
        "/api/v1/procurement-requests/",
        {"items": [{"description": "x", "quantity": 0, "unit_cost": "-1"}], "reason": "r"},
        format="json",
    )
    assert negative.status_code == 400 and "items" in negative.json()["error"]["fields"]
    client.force_authenticate(world.procurement.requested_by)
    own = client.post(f"/api/v1/procurement-requests/{world.procurement.reference}/approve/", {}, format="json")
    assert own.status_code == 403
    assert len(ROLES) == 8
