"""Who may do what to assets through the API: list, file, read and change assets, read an
asset's tickets, and add and remove a ticket's devices, for every role (the matrix:
tests/api/permission_matrix.py). The ticket's requester ("owner") uses the asset LAP-0001;
requesters read only their own devices and never change one. Asset imports are support
staff's, as the import pages are: upload, read the preview and its rows, confirm."""

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.services import api_token_create
from assets.models import Asset, AssetImport, AssetImportRow, TicketAsset
from tests.api.permission_matrix import (
    READ,
    ROLES,
    TOKEN_ROLE,
    Acts,
    Endpoint,
    T,
    World,
    actor_for,
    cells,
    last_event,
    new_ticket,
    state,
)
from tests.factories import make_agent
from tickets.choices import EventKind

pytestmark = pytest.mark.django_db

TAG = "LAP-0001"
OWN_READ = (401, 200, 404, 200, 200, 200, 200, 200)
STAFF_WRITES = (401, 403, 403, 201, 201, 201, 201, 201)
STAFF_CHANGES = (401, 403, 404, 200, 200, 200, 200, 200)
EVERYONE = (401, 200, 200, 200, 200, 200, 200, 200)
STAFF_ONLY_READ = (401, 403, 403, 200, 200, 200, 200, 200)
STAFF_ONLY_ACCEPTED = (401, 403, 403, 202, 202, 202, 202, 202)
NEW_TAG = "PRN-0010"


@dataclass(frozen=True)
class AssetEndpoint(Endpoint):
    def url(self, world: World) -> str:
        return self.path.format(ref=world.ticket.reference if world.ticket else "", tag=TAG, **world.ids)


def ticket_and_asset(level: int) -> World:
    world = new_ticket(level)
    Asset.objects.create(tag=TAG, asset_type="laptop", name="ThinkPad", user=world.ticket.requester)
    return world


def ticket_with_asset(level: int) -> World:
    world = ticket_and_asset(level)
    TicketAsset.objects.create(ticket=world.ticket, asset=Asset.objects.get(tag=TAG))
    return world


def ticket_and_import(level: int) -> World:
    """A ticket and its asset, and an import previewed with one asset to create."""
    world = ticket_and_asset(level)
    asset_import = AssetImport.objects.create(
        uploaded_by=make_agent(1),
        original_name="assets.csv",
        stored_path="/nonexistent/assets.csv",
        file_format="csv",
        status="previewed",
        rows_total=1,
        rows_read=1,
        creates=1,
    )
    AssetImportRow.objects.create(
        asset_import=asset_import,
        row_number=2,
        action="create",
        tag=NEW_TAG,
        values={"tag": NEW_TAG, "asset_type": "printer", "name": "Printer"},
    )
    world.ids["import_id"] = asset_import.pk
    return world


# --- what an allowed request must have done (or shown)


def assets_listed(world: World, response) -> None:
    tags = [asset["tag"] for asset in response.json()["results"]]
    assert tags == ([] if world.role == "other_requester" else [TAG])


def asset_created(world: World, response) -> None:
    assert response.json()["tag"] == "PRN-0009"
    assert Asset.objects.filter(tag="PRN-0009").exists()


def asset_shown(world: World, response) -> None:
    body = response.json()
    assert body["tag"] == TAG
    if world.role == "owner":
        assert body["notes"] == "" and body["purchase_cost"] is None


def asset_changed(world: World, response) -> None:
    assert Asset.objects.get(tag=TAG).status == "in_repair"


def asset_tickets_listed(world: World, response) -> None:
    assert [t["reference"] for t in response.json()["results"]] == [world.ticket.reference]


def ticket_assets_listed(world: World, response) -> None:
    assert [link["asset"]["tag"] for link in response.json()] == [TAG]


def ticket_asset_added(world: World, response) -> None:
    assert [link["asset"]["tag"] for link in response.json()] == [TAG]
    assert last_event(world).kind == EventKind.ASSET_ADDED


def ticket_asset_removed(world: World, response) -> None:
    assert not TicketAsset.objects.exists()
    assert last_event(world).kind == EventKind.ASSET_REMOVED


def import_uploaded(world: World, response) -> None:
    body = response.json()
    assert body["status"] == "uploaded" and body["original_name"] == "new 'assets' <1> & 🖥.csv"
    assert response["Location"] == f"/api/v1/asset-imports/{body['id']}/"
    assert AssetImport.objects.filter(pk=body["id"], uploaded_by=world.actor).exists()


def import_shown(world: World, response) -> None:
    body = response.json()
    assert (body["id"], body["status"], body["creates"], body["errors"]) == (
        world.ids["import_id"],
        "previewed",
        1,
        0,
    )
    assert (body["percent"], body["running"]) == (100, False)


def import_rows_listed(world: World, response) -> None:
    [row] = response.json()["results"]
    assert (row["row_number"], row["action"], row["tag"], row["errors"]) == (2, "create", NEW_TAG, [])


def import_confirmed(world: World, response) -> None:
    assert response.json()["status"] == "confirmed"
    assert AssetImport.objects.get(pk=world.ids["import_id"]).status == "confirmed"


A = "/api/v1/assets"
IMPORTS = "/api/v1/asset-imports"
ENDPOINTS = [
    AssetEndpoint("assets-list", "GET", A + "/", EVERYONE, assets_listed, setup=ticket_and_asset, levels=(1,)),
    AssetEndpoint(
        "assets-create",
        "POST",
        A + "/",
        STAFF_WRITES,
        asset_created,
        setup=ticket_and_asset,
        levels=(1,),
        data=lambda world: {"tag": "PRN-0009", "asset_type": "printer", "name": "Printer 'lantai' <2> & 🖨"},
    ),
    AssetEndpoint("asset-read", "GET", A + "/{tag}/", OWN_READ, asset_shown, setup=ticket_and_asset, levels=(1,)),
    AssetEndpoint(
        "asset-change",
        "PATCH",
        A + "/{tag}/",
        STAFF_CHANGES,
        asset_changed,
        setup=ticket_and_asset,
        levels=(1,),
        data=lambda world: {"status": "in_repair"},
    ),
    AssetEndpoint(
        "asset-tickets",
        "GET",
        A + "/{tag}/tickets/",
        OWN_READ,
        asset_tickets_listed,
        setup=ticket_with_asset,
        levels=(1,),
    ),
    AssetEndpoint("ticket-assets", "GET", T + "/assets/", READ, ticket_assets_listed, setup=ticket_with_asset),
    AssetEndpoint(
        "ticket-assets-add",
        "POST",
        T + "/assets/",
        (401, 403, 404, Acts(201), Acts(201), Acts(201), 201, 201),
        ticket_asset_added,
        setup=ticket_and_asset,
        data=lambda world: {"tag": TAG.lower()},
    ),
    AssetEndpoint(
        "ticket-assets-remove",
        "DELETE",
        T + "/assets/{tag}/",
        (401, 403, 404, Acts(204), Acts(204), Acts(204), 204, 204),
        ticket_asset_removed,
        setup=ticket_with_asset,
    ),
    AssetEndpoint(
        "asset-import-upload",
        "POST",
        IMPORTS + "/",
        STAFF_ONLY_ACCEPTED,
        import_uploaded,
        setup=ticket_and_asset,
        levels=(1,),
        format="multipart",
        data=lambda world: {
            "file": SimpleUploadedFile("new 'assets' <1> & 🖥.csv", b"Tag,Type\nPRN-0011,printer\n", "text/csv")
        },
    ),
    AssetEndpoint(
        "asset-import",
        "GET",
        IMPORTS + "/{import_id}/",
        STAFF_ONLY_READ,
        import_shown,
        setup=ticket_and_import,
        levels=(1,),
    ),
    AssetEndpoint(
        "asset-import-rows",
        "GET",
        IMPORTS + "/{import_id}/rows/",
        STAFF_ONLY_READ,
        import_rows_listed,
        setup=ticket_and_import,
        levels=(1,),
    ),
    AssetEndpoint(
        "asset-import-confirm",
        "POST",
        IMPORTS + "/{import_id}/confirm/",
        STAFF_ONLY_ACCEPTED,
        import_confirmed,
        setup=ticket_and_import,
        levels=(1,),
    ),
]
# Writes that leave no trail on a ticket (the asset or the import is the record).
NO_TICKET_EVENT = {"assets-create", "asset-change", "asset-import-upload", "asset-import-confirm"}


def asset_state(world: World) -> dict:
    return {
        **state(world),
        "assets": list(Asset.objects.order_by("pk").values()),
        "links": list(TicketAsset.objects.values_list("ticket_id", "asset_id")),
        "imports": list(AssetImport.objects.order_by("pk").values()),
        "import_rows": list(AssetImportRow.objects.order_by("pk").values()),
    }


def asset_cell_check(endpoint: AssetEndpoint, level: int, role: str, auth: str) -> None:
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
    before = asset_state(world)
    response = getattr(client, endpoint.method.lower())(
        endpoint.url(world), endpoint.data(world), format=endpoint.format
    )
    assert response.status_code == expected, response.content[:500]
    after = asset_state(world)
    if expected >= 400:
        error = response.json()["error"]
        assert error["status"] == expected and error["message"]
        assert after == before
        return
    endpoint.check(world, response)
    if endpoint.method == "GET":
        assert after == before
    elif endpoint.name not in NO_TICKET_EVENT:
        assert after["events"] > before["events"]
    else:
        assert (after["assets"], after["imports"]) != (before["assets"], before["imports"])


CELLS = list(cells(ENDPOINTS))


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), CELLS)
def test_permission_matrix(endpoint, level: int, role: str, auth: str):
    asset_cell_check(endpoint, level, role, auth)


def test_every_role_is_in_the_matrix():
    assert {cell.values[2] for cell in CELLS} >= set(ROLES) and TOKEN_ROLE in ROLES
