"""The procurement API: component reports and procurement requests, read and created,
and each step as a small action, through the same selectors, rules and services as the
pages. Support staff only."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from api import views as base
from api.exceptions import IllegalTransition, Invalid, Refused
from api.schema import error_responses
from tickets.models import pk_from_reference

from .. import services
from ..exceptions import ProcurementError, ProcurementForbidden
from ..models import ComponentReport
from ..rules import is_staff
from ..selectors import component_reports, procurement_get, procurement_list
from . import serializers as s

ERRORS = error_responses(400, 403, 404, 409)


class NewestFirst(CursorPagination):
    """Stable pages, newest first, with no COUNT over the whole table."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-id")


class ReportsNewestFirst(NewestFirst):
    ordering = ("-reported_at", "-id")


class _Refusals:
    """Not allowed 403; input refused 400; a step not possible now 409; each with the service's words."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if not is_staff(request.user):
            raise Refused(_staff_only_message())

    def handle_exception(self, exc):
        if isinstance(exc, ProcurementForbidden):
            exc = Refused(exc.message)
        elif isinstance(exc, ProcurementError):
            exc = Invalid(exc.message) if exc.field else IllegalTransition(exc.message)
        return super().handle_exception(exc)  # type: ignore[misc]


def _staff_only_message() -> str:
    return _("Only support staff can use procurement.")


class ApiView(_Refusals, base.ApiView):
    pass


class ListApiView(_Refusals, base.ListCreateApiView):
    pass


def _report(pk: int) -> ComponentReport:
    report = component_reports().filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


# 403 for anyone but support staff; 404 for a cursor that is not one of ours.
@extend_schema_view(get=extend_schema(responses={200: s.ComponentReportSerializer, 403: ERRORS[403], 404: ERRORS[404]}))
class ComponentReportList(ListApiView):
    """Component reports, newest first; POST files one on a ticket."""

    serializer_class = s.ComponentReportSerializer
    pagination_class = ReportsNewestFirst

    def get_queryset(self):
        return component_reports()

    @extend_schema(request=s.ComponentReportCreateSerializer, responses={201: s.ComponentReportSerializer, **ERRORS})
    def post(self, request):
        data = s.ComponentReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        ticket_id = pk_from_reference(fields["ticket"])
        if ticket_id is None:
            raise Invalid(_ticket_message(fields["ticket"]))
        report = services.component_report_file(
            ticket_id=ticket_id,
            by=request.user,
            asset_tag=fields["asset_tag"],
            fault=fields["fault"],
            recommendation=fields["recommendation"],
            estimated_cost=fields["estimated_cost"],
        )
        return Response(s.ComponentReportSerializer(_report(report.pk)).data, status=status.HTTP_201_CREATED)


def _ticket_message(reference: str) -> str:
    return _("“%(ref)s” is not a ticket reference.") % {"ref": reference[:40]}


class ComponentReportDetail(ApiView):
    @extend_schema(responses={200: s.ComponentReportSerializer, **ERRORS})
    def get(self, request, id: int):
        return Response(s.ComponentReportSerializer(_report(id)).data)


class ComponentReportDecide(ApiView):
    @extend_schema(request=s.ReportDecisionSerializer, responses={200: s.ComponentReportSerializer, **ERRORS})
    def post(self, request, id: int):
        report = _report(id)
        data = s.ReportDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.component_report_decide(report_id=report.pk, by=request.user, **data.validated_data)
        return Response(s.ComponentReportSerializer(_report(id)).data)


def _procurement_response(request, reference: str, code: int = status.HTTP_200_OK) -> Response:
    return Response(s.ProcurementSerializer(procurement_get(user=request.user, reference=reference)).data, status=code)


@extend_schema_view(get=extend_schema(responses={200: s.ProcurementSerializer, 403: ERRORS[403], 404: ERRORS[404]}))
class ProcurementList(ListApiView):
    """Procurement requests, newest first; POST asks for one."""

    serializer_class = s.ProcurementSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return (
            procurement_list()
            .prefetch_related("items__replaces_asset", "items__received_asset", "events__actor", "tickets", "assets")
            .select_related("first_approved_by", "second_approved_by")
        )

    @extend_schema(request=s.ProcurementCreateSerializer, responses={201: s.ProcurementSerializer, **ERRORS})
    def post(self, request):
        data = s.ProcurementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        created = services.procurement_create(
            by=request.user,
            items=[dict(item) for item in fields["items"]],
            reason=fields["reason"],
            budget_line=fields["budget_line"],
            ticket_references=fields["tickets"],
            asset_tags=fields["assets"],
            submit=fields["submit"],
        )
        return _procurement_response(request, created.reference, status.HTTP_201_CREATED)


class ProcurementDetail(ApiView):
    @extend_schema(responses={200: s.ProcurementSerializer, **ERRORS})
    def get(self, request, reference: str):
        return _procurement_response(request, reference)


def _step(name: str, input_serializer, act):
    """A view class for one step of a procurement request, with its own schema entry."""

    @extend_schema(
        request=input_serializer,
        responses={200: s.ProcurementSerializer, **ERRORS},
        operation_id=f"procurement_requests_{name}",
    )
    def post(self, request, reference: str):
        procurement = procurement_get(user=request.user, reference=reference)
        data: dict = {}
        if input_serializer is not None:
            serializer = input_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        act(request, procurement, data)
        return _procurement_response(request, reference)

    return type(f"Procurement{name.title()}", (ApiView,), {"post": post})


ProcurementSubmit = _step("submit", None, lambda r, p, d: services.procurement_submit(request_id=p.pk, by=r.user))
ProcurementApprove = _step(
    "approve", s.StepReasonSerializer, lambda r, p, d: services.procurement_approve(request_id=p.pk, by=r.user, **d)
)
ProcurementReject = _step(
    "reject", s.StepReasonSerializer, lambda r, p, d: services.procurement_reject(request_id=p.pk, by=r.user, **d)
)
ProcurementOrder = _step(
    "order",
    s.ProcurementOrderSerializer,
    lambda r, p, d: services.procurement_order(
        request_id=p.pk,
        by=r.user,
        supplier_id=d["supplier"],
        order_reference=d["order_reference"],
        expected_on=d["expected_on"],
    ),
)
ProcurementReceive = _step(
    "receive",
    s.ReceiveSerializer,
    lambda r, p, d: services.procurement_receive(
        request_id=p.pk,
        by=r.user,
        receipts={receipt["item"]: dict(receipt) for receipt in d["receipts"]},
        resolve_tickets=d["resolve_tickets"],
        resolution=d["resolution"],
    ),
)
ProcurementCancel = _step(
    "cancel", s.StepReasonSerializer, lambda r, p, d: services.procurement_cancel(request_id=p.pk, by=r.user, **d)
)
