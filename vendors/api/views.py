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
from tickets.selectors import ticket_get_for_user

from .. import services
from ..exceptions import VendorError, VendorNotAllowedError
from ..models import Vendor, VendorContact, VendorContract, VendorEscalation
from ..rules import can_escalate_to_vendor, can_manage_vendors, can_read_vendors
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


def _contact_pk(vendor_id: int, contact_id: int) -> int:
    """The contact's id when it is one of this vendor's; else 404."""
    if not VendorContact.objects.filter(vendor_id=_vendor_pk(vendor_id), pk=contact_id).exists():
        raise Http404
    return contact_id


def _contract_pk(vendor_id: int, contract_id: int) -> int:
    """The contract's id when it is one of this vendor's; else 404."""
    if not VendorContract.objects.filter(vendor_id=_vendor_pk(vendor_id), pk=contract_id).exists():
        raise Http404
    return contract_id


class VendorContactDetail(_VendorApi, base.ApiView):
    """Change or remove one of a vendor's contacts (supervisors and administrators);
    answers the vendor as it now is."""

    @extend_schema(request=s.VendorContactWriteSerializer(partial=True), responses={200: s.VendorSerializer, **ERRORS})
    def patch(self, request, vendor_id: int, contact_id: int):
        _contact_pk(vendor_id, contact_id)
        _require_manager(request)
        data = s.VendorContactWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.vendor_contact_save(by=request.user, vendor_id=vendor_id, contact_id=contact_id, **data.validated_data)
        return _vendor_response(vendor_id)

    @extend_schema(request=None, responses={200: s.VendorSerializer, **ERRORS})
    def delete(self, request, vendor_id: int, contact_id: int):
        _contact_pk(vendor_id, contact_id)
        _require_manager(request)
        services.vendor_contact_delete(by=request.user, vendor_id=vendor_id, contact_id=contact_id)
        return _vendor_response(vendor_id)


class VendorContractDetail(_VendorApi, base.ApiView):
    """Change one of a vendor's contracts (supervisors and administrators); answers the
    vendor as it now is."""

    @extend_schema(request=s.VendorContractWriteSerializer(partial=True), responses={200: s.VendorSerializer, **ERRORS})
    def patch(self, request, vendor_id: int, contract_id: int):
        _contract_pk(vendor_id, contract_id)
        _require_manager(request)
        data = s.VendorContractWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.vendor_contract_save(
            by=request.user, vendor_id=vendor_id, contract_id=contract_id, **data.validated_data
        )
        return _vendor_response(vendor_id)


class EscalationPagination(CursorPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-escalated_at", "-id")


def _escalations():
    return VendorEscalation.objects.select_related("ticket", "vendor", "contract", "contact", "escalated_by")


def _require_escalator(request) -> None:
    if not can_escalate_to_vendor(request.user):
        raise VendorNotAllowedError(_escalator_only())


def _escalator_only() -> str:
    return gettext("Only Level III staff and supervisors can take a ticket to a vendor.")


def _escalation_response(pk: int, code: int = status.HTTP_200_OK) -> Response:
    return Response(s.VendorEscalationSerializer(_escalations().get(pk=pk)).data, status=code)


@extend_schema_view(get=extend_schema(responses={200: s.VendorEscalationSerializer, **ERRORS}))
class VendorEscalationList(_VendorApi, base.ListCreateApiView):
    """Vendor escalations, newest first; ``?status=open`` or ``closed``, ``?vendor=<id>``.
    Level III staff, supervisors and administrators take a ticket to a vendor (POST): the
    mail goes to the contact, the ticket waits on the vendor and our SLA clock pauses."""

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

    @extend_schema(request=s.VendorEscalateSerializer, responses={201: s.VendorEscalationSerializer, **ERRORS})
    def post(self, request, *args, **kwargs):
        _require_escalator(request)
        data = s.VendorEscalateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ticket = ticket_get_for_user(user=request.user, reference=values["ticket"])
        escalation = services.vendor_escalation_create(
            ticket_id=ticket.pk,
            by=request.user,
            vendor_id=values["vendor"],
            contract_id=values.get("contract"),
            contact_id=values.get("contact"),
            vendor_reference=values["vendor_reference"],
            message=values["message"],
        )
        return _escalation_response(escalation.pk, status.HTTP_201_CREATED)


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


class _EscalationAction(_VendorApi, base.ApiView):
    """One step of a vendor escalation, by Level III staff, supervisors and administrators
    who may read the ticket; answers the escalation as it now is."""

    write_serializer: type | None = None

    def perform(self, request, escalation_id: int, values: dict) -> None:
        raise NotImplementedError

    def post(self, request, escalation_id: int):
        row = VendorEscalation.objects.filter(pk=escalation_id).select_related("ticket").first()
        if row is None:
            raise Http404
        _require_escalator(request)
        ticket_get_for_user(user=request.user, reference=row.ticket.reference)
        values: dict = {}
        if self.write_serializer is not None:
            data = self.write_serializer(data=request.data)
            data.is_valid(raise_exception=True)
            values = data.validated_data
        self.perform(request, escalation_id, values)
        return _escalation_response(escalation_id)


ACTION_RESPONSES = {200: s.VendorEscalationSerializer, **ERRORS}


@extend_schema_view(post=extend_schema(request=None, responses=ACTION_RESPONSES))
class VendorEscalationResponse(_EscalationAction):
    """Record the vendor's first response (once): the reminders then chase the resolution."""

    def perform(self, request, escalation_id, values):
        services.vendor_response_record(escalation_id=escalation_id, by=request.user)


@extend_schema_view(post=extend_schema(request=s.VendorReferenceWriteSerializer, responses=ACTION_RESPONSES))
class VendorEscalationReference(_EscalationAction):
    """Record the vendor's own reference for the fault (their case or RMA number)."""

    write_serializer = s.VendorReferenceWriteSerializer

    def perform(self, request, escalation_id, values):
        services.vendor_reference_set(
            escalation_id=escalation_id, by=request.user, vendor_reference=values["vendor_reference"]
        )


@extend_schema_view(post=extend_schema(request=s.VendorResolutionWriteSerializer, responses=ACTION_RESPONSES))
class VendorEscalationResolution(_EscalationAction):
    """Record what the vendor did to resolve the fault; the reminders stop."""

    write_serializer = s.VendorResolutionWriteSerializer

    def perform(self, request, escalation_id, values):
        services.vendor_resolution_record(escalation_id=escalation_id, by=request.user, resolution=values["resolution"])


@extend_schema_view(post=extend_schema(request=s.VendorCloseWriteSerializer, responses=ACTION_RESPONSES))
class VendorEscalationClose(_EscalationAction):
    """Close the escalation: the ticket is open again and our SLA clock resumes."""

    write_serializer = s.VendorCloseWriteSerializer

    def perform(self, request, escalation_id, values):
        services.vendor_escalation_close(escalation_id=escalation_id, by=request.user, reason=values["reason"])
