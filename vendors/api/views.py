"""The vendors API: vendor records (staff read, supervisors and administrators write)
and vendor escalations (staff read), through the same selectors and services as the pages."""

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from api import views as base
from api.exceptions import Invalid, Refused
from api.schema import error_responses

from .. import services
from ..exceptions import VendorError, VendorNotAllowedError
from ..models import Vendor, VendorContact, VendorContract, VendorEscalation
from ..rules import can_manage_vendors, can_read_vendors
from . import serializers as s

ERRORS = error_responses(400, 403, 404)


class _VendorApi:
    """Staff only (403 for anyone else); a refused change as the API's error."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if not can_read_vendors(request.user):
            raise Refused(_staff_only())

    def handle_exception(self, exc):
        if isinstance(exc, VendorNotAllowedError):
            exc = Refused(exc.message)
        elif isinstance(exc, VendorError):
            exc = Invalid(exc.message)
        return super().handle_exception(exc)  # type: ignore[misc]


def _staff_only() -> str:
    return gettext("Only support staff can see vendors.")


def _require_manager(request) -> None:
    if not can_manage_vendors(request.user):
        raise VendorNotAllowedError(_manager_only())


def _manager_only() -> str:
    return gettext("Only supervisors and administrators can change vendor records.")


def _vendors():
    return Vendor.objects.prefetch_related(
        Prefetch("contacts", queryset=VendorContact.objects.order_by("-is_primary", "name", "id")),
        Prefetch("contracts", queryset=VendorContract.objects.order_by("-starts_on", "id")),
    ).order_by("name", "id")


def _vendor_response(pk: int, code: int = status.HTTP_200_OK) -> Response:
    return Response(s.VendorSerializer(_vendors().get(pk=pk)).data, status=code)


def _vendor_pk(vendor_id: int) -> int:
    if not Vendor.objects.filter(pk=vendor_id).exists():
        raise Http404
    return vendor_id


@extend_schema_view(get=extend_schema(responses={200: s.VendorSerializer, 403: ERRORS[403], 404: ERRORS[404]}))
class VendorList(_VendorApi, base.ListCreateApiView):
    """Vendors with their contacts and contracts; supervisors and administrators add one."""

    serializer_class = s.VendorSerializer
    pagination_class = None

    def get_queryset(self):
        return _vendors()

    @extend_schema(request=s.VendorWriteSerializer, responses={201: s.VendorSerializer, **ERRORS})
    def post(self, request, *args, **kwargs):
        _require_manager(request)
        data = s.VendorWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        vendor = services.vendor_create(by=request.user, **data.validated_data)
        return _vendor_response(vendor.pk, status.HTTP_201_CREATED)


class VendorDetail(_VendorApi, base.ApiView):
    """One vendor; supervisors and administrators change its record."""

    @extend_schema(responses={200: s.VendorSerializer, 403: ERRORS[403], 404: ERRORS[404]})
    def get(self, request, vendor_id: int):
        return _vendor_response(_vendor_pk(vendor_id))

    @extend_schema(request=s.VendorWriteSerializer(partial=True), responses={200: s.VendorSerializer, **ERRORS})
    def patch(self, request, vendor_id: int):
        _vendor_pk(vendor_id)
        _require_manager(request)
        data = s.VendorWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.vendor_update(by=request.user, vendor_id=vendor_id, **data.validated_data)
        return _vendor_response(vendor_id)


class VendorContacts(_VendorApi, base.ApiView):
    """Add a contact to a vendor (supervisors and administrators)."""

    @extend_schema(request=s.VendorContactWriteSerializer, responses={201: s.VendorSerializer, **ERRORS})
    def post(self, request, vendor_id: int):
        _vendor_pk(vendor_id)
        _require_manager(request)
        data = s.VendorContactWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.vendor_contact_save(by=request.user, vendor_id=vendor_id, **data.validated_data)
        return _vendor_response(vendor_id, status.HTTP_201_CREATED)


class VendorContracts(_VendorApi, base.ApiView):
    """Add a contract to a vendor (supervisors and administrators)."""

    @extend_schema(request=s.VendorContractWriteSerializer, responses={201: s.VendorSerializer, **ERRORS})
    def post(self, request, vendor_id: int):
        _vendor_pk(vendor_id)
        _require_manager(request)
        data = s.VendorContractWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.vendor_contract_save(by=request.user, vendor_id=vendor_id, **data.validated_data)
        return _vendor_response(vendor_id, status.HTTP_201_CREATED)


class EscalationPagination(CursorPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-escalated_at", "-id")


def _escalations():
    return VendorEscalation.objects.select_related("ticket", "vendor", "contract", "contact", "escalated_by")


@extend_schema_view(get=extend_schema(responses={200: s.VendorEscalationSerializer, **ERRORS}))
class VendorEscalationList(_VendorApi, base.ListApiView):
    """Vendor escalations, newest first; ``?status=open`` or ``closed``, ``?vendor=<id>``."""

    serializer_class = s.VendorEscalationSerializer
    pagination_class = EscalationPagination

    def get_queryset(self):
        rows = _escalations()
        params = getattr(self.request, "query_params", {})
        if params.get("status") in ("open", "closed"):
            rows = rows.filter(status=params["status"])
        vendor = params.get("vendor", "")
        if vendor:
            if not vendor.isdigit() or len(vendor) > 18:
                raise Invalid(_vendor_invalid())
            rows = rows.filter(vendor_id=int(vendor))
        return rows


def _vendor_invalid() -> str:
    return gettext("vendor is the id of a vendor.")


class VendorEscalationDetail(_VendorApi, base.ApiView):
    """One vendor escalation."""

    @extend_schema(responses={200: s.VendorEscalationSerializer, 403: ERRORS[403], 404: ERRORS[404]})
    def get(self, request, escalation_id: int):
        row = _escalations().filter(pk=escalation_id).first()
        if row is None:
            raise Http404
        return Response(s.VendorEscalationSerializer(row).data)
