"""The assets API: thin views over the same selectors and services as the pages."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from api import views as base
from api.exceptions import Invalid, Refused
from api.schema import error_responses
from tickets.api.serializers import TicketSerializer
from tickets.selectors import ticket_get_for_user

from .. import services
from ..choices import AssetClass, AssetStatus, AssetType, ImportAction
from ..exceptions import AssetError, NotAllowedError
from ..forms import AssetFilterForm
from ..models import Asset, AssetImportRow
from ..selectors import (
    asset_by_tag,
    asset_list,
    asset_ticket_history,
    asset_visible_to,
    can_see_assets,
    import_get_for_user,
    import_progress_state,
    import_rows,
    ticket_assets,
)
from . import serializers as s

ERRORS = error_responses(400, 403, 404)
FILTERS = [
    OpenApiParameter("q", str, description=_("Part of the tag, name, serial number, host name, IP or MAC address.")),
    OpenApiParameter("asset_type", str, enum=AssetType.values),
    OpenApiParameter("asset_class", str, enum=AssetClass.values),
    OpenApiParameter("status", str, enum=AssetStatus.values),
    OpenApiParameter("used_by", str, description=_("Part of the user name, email or name of who has it.")),
    OpenApiParameter("location", str),
    OpenApiParameter("vendor", int, description=_("The vendor's id.")),
]
TAG = OpenApiParameter("tag", str, OpenApiParameter.PATH, description=_("The asset's tag, whatever its case."))


class AssetPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("tag", "id")


class TicketPagination(CursorPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-id")


class _AssetErrors:
    """A refused asset change as the API's error: not allowed 403, a field's rule 400 with
    the field, anything else 400."""

    def handle_exception(self, exc):
        if isinstance(exc, NotAllowedError):
            exc = Refused(exc.message)
        elif isinstance(exc, AssetError):
            field = {"user": "user", "parent": "parent"}.get(exc.field or "", exc.field)
            exc = exceptions.ValidationError({field: [exc.message]}) if field else Invalid(exc.message)
        return super().handle_exception(exc)


def _staff_only(request) -> None:
    if not can_see_assets(request.user):
        raise Refused(_("Only support staff can change assets."))


def _asset_for(request, tag: str) -> Asset:
    return asset_visible_to(user=request.user, tag=tag)


def _context(request) -> dict:
    return {"request": request, "staff": can_see_assets(request.user)}


class AssetList(_AssetErrors, base.ListCreateApiView):
    """Assets: every one for support staff (with the list page's filters); a requester's
    own devices, read only, for anyone else."""

    serializer_class = s.AssetSerializer
    pagination_class = AssetPagination

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "staff": can_see_assets(self.request.user)}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Asset.objects.none()
        form = AssetFilterForm(self.request.query_params)
        if not form.is_valid():
            errors = form.errors.get_json_data()
            raise exceptions.ValidationError({field: [e["message"] for e in items] for field, items in errors.items()})
        filters = form.filters()
        if can_see_assets(self.request.user):
            return asset_list(filters=filters).order_by()
        return asset_list(filters=filters).filter(user=self.request.user).order_by()

    @extend_schema(
        parameters=FILTERS,
        responses={200: s.AssetSerializer(many=True), 400: ERRORS[400], 404: ERRORS[404]},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.AssetWriteSerializer, responses={201: s.AssetSerializer, **ERRORS})
    def post(self, request, *args, **kwargs):
        _staff_only(request)
        data = s.AssetWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        asset = services.asset_create(by=request.user, values=dict(data.validated_data))
        return Response(
            s.AssetSerializer(asset, context=_context(request)).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/assets/{asset.tag}/"},
        )


class AssetDetail(_AssetErrors, base.ApiView):
    """One asset, by tag; support staff change it (retiring it is setting its status)."""

    @extend_schema(parameters=[TAG], responses={200: s.AssetSerializer, 404: ERRORS[404]})
    def get(self, request, tag: str):
        return Response(s.AssetSerializer(_asset_for(request, tag), context=_context(request)).data)

    @extend_schema(parameters=[TAG], request=s.AssetWriteSerializer, responses={200: s.AssetSerializer, **ERRORS})
    def patch(self, request, tag: str):
        asset = _asset_for(request, tag)
        _staff_only(request)
        data = s.AssetWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        asset = services.asset_update(asset_id=asset.pk, by=request.user, values=dict(data.validated_data))
        return Response(s.AssetSerializer(asset, context=_context(request)).data)


class AssetTickets(base.ListApiView):
    """The tickets about an asset, newest first: all of them for support staff, a
    requester's own for their own device."""

    serializer_class = TicketSerializer
    pagination_class = TicketPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Asset.objects.none()
        asset = _asset_for(self.request, self.kwargs["tag"])
        tickets = asset_ticket_history(asset=asset).select_related("category").order_by()
        if not can_see_assets(self.request.user):
            tickets = tickets.filter(requester=self.request.user)
        return tickets

    @extend_schema(parameters=[TAG])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TicketAssets(_AssetErrors, base.ApiView):
    """The devices a ticket is about: its requester and staff read them; staff at the
    ticket's level add one by tag."""

    @extend_schema(responses={200: s.TicketAssetSerializer(many=True), 404: ERRORS[404]})
    def get(self, request, reference: str):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        return Response(s.TicketAssetSerializer(ticket_assets(ticket=ticket), many=True).data)

    @extend_schema(request=s.TicketAssetAddSerializer, responses={201: s.TicketAssetSerializer(many=True), **ERRORS})
    def post(self, request, reference: str):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        _staff_only(request)
        data = s.TicketAssetAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ticket_asset_link(ticket_id=ticket.pk, tag=data.validated_data["tag"], by=request.user)
        return Response(
            s.TicketAssetSerializer(ticket_assets(ticket=ticket), many=True).data, status=status.HTTP_201_CREATED
        )


class TicketAssetRemove(_AssetErrors, base.ApiView):
    """The ticket is no longer about this device (staff at the ticket's level)."""

    @extend_schema(
        parameters=[TAG],
        responses={204: OpenApiResponse(description=_("Removed (or was not there).")), **ERRORS},
    )
    def delete(self, request, reference: str, tag: str):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        _staff_only(request)
        asset = asset_by_tag(tag)
        if asset is None:
            raise Http404
        services.ticket_asset_unlink(ticket_id=ticket.pk, asset_id=asset.pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- imports -----------------------------------------------------------------------------

IMPORT_ID = OpenApiParameter("import_id", int, OpenApiParameter.PATH, description=_("The import's id."))


class ImportRowPagination(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("row_number", "id")


def _import_response(request, asset_import, code: int = status.HTTP_200_OK, **headers) -> Response:
    context = {"request": request, "progress": import_progress_state(asset_import=asset_import)}
    return Response(s.AssetImportSerializer(asset_import, context=context).data, status=code, headers=headers or None)


class AssetImportList(_AssetErrors, base.ApiView):
    """Upload a CSV or XLSX of assets (support staff, as the import page): a worker reads
    it into a preview; nothing about the assets changes until the import is confirmed."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": s.AssetImportUploadSerializer},
        responses={202: s.AssetImportSerializer, **ERRORS},
    )
    def post(self, request):
        _staff_only(request)
        data = s.AssetImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.asset_import_upload(by=request.user, upload=data.validated_data["file"])
        created = import_get_for_user(user=request.user, pk=created.pk)
        return _import_response(
            request, created, status.HTTP_202_ACCEPTED, Location=f"/api/v1/asset-imports/{created.pk}/"
        )


class AssetImportDetail(base.ApiView):
    """One import: its status, what its rows would do (counts) and how far the worker is."""

    @extend_schema(parameters=[IMPORT_ID], responses={200: s.AssetImportSerializer, 403: ERRORS[403], 404: ERRORS[404]})
    def get(self, request, import_id: int):
        return _import_response(request, import_get_for_user(user=request.user, pk=import_id))


class AssetImportRows(base.ListApiView):
    """An import's preview, a row of the file each, by row number: what the row would do,
    the changes of an update (old → new) and the errors that stop it; ``?action=error``
    for the errors only."""

    serializer_class = s.AssetImportRowSerializer
    pagination_class = ImportRowPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AssetImportRow.objects.none()
        asset_import = import_get_for_user(user=self.request.user, pk=self.kwargs["import_id"])
        query = s.ImportRowFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return import_rows(asset_import=asset_import, action=query.validated_data.get("action")).order_by()

    @extend_schema(
        parameters=[IMPORT_ID, OpenApiParameter("action", str, enum=ImportAction.values)],
        responses={200: s.AssetImportRowSerializer(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AssetImportConfirm(_AssetErrors, base.ApiView):
    """Apply a previewed import (refused, with the reason, while a row has an error): a
    worker writes it, all or nothing, once; a second confirmation changes nothing."""

    @extend_schema(parameters=[IMPORT_ID], request=None, responses={202: s.AssetImportSerializer, **ERRORS})
    def post(self, request, import_id: int):
        asset_import = import_get_for_user(user=request.user, pk=import_id)
        confirmed = services.asset_import_confirm(import_id=asset_import.pk, by=request.user)
        return _import_response(
            request, import_get_for_user(user=request.user, pk=confirmed.pk), status.HTTP_202_ACCEPTED
        )
