"""The maintenance API: plans read by support staff and kept by supervisors and
administrators, and each plan's runs; thin views over the same services as the pages."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from accounts.choices import Role
from accounts.selectors import user_role
from api import views as base
from api.exceptions import Invalid, Refused
from api.schema import error_responses

from .. import services
from ..exceptions import MaintenanceError, NotAllowedError
from ..models import MaintenancePlan, MaintenanceRun
from ..selectors import plan_get, plan_list
from . import serializers as s

ERRORS = error_responses(400, 403, 404)


def _staff_only(request) -> None:
    if user_role(request.user) in (None, Role.REQUESTER):
        raise Refused(_("Only support staff see maintenance plans."))


class _Refusals:
    def handle_exception(self, exc):
        if isinstance(exc, NotAllowedError):
            exc = Refused(exc.message)
        elif isinstance(exc, MaintenanceError):
            exc = Invalid(exc.message)
        return super().handle_exception(exc)  # type: ignore[misc]


@extend_schema_view(get=extend_schema(responses={200: s.PlanSerializer(many=True), 403: ERRORS[403]}))
class PlanList(_Refusals, base.ListCreateApiView):
    """Maintenance plans (support staff); supervisors and administrators add them."""

    serializer_class = s.PlanSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MaintenancePlan.objects.none()
        _staff_only(self.request)
        return plan_list()

    @extend_schema(request=s.PlanWriteSerializer, responses={201: s.PlanSerializer, **ERRORS})
    def post(self, request, *args, **kwargs):
        _staff_only(request)
        services.require_planner(request.user)
        data = s.PlanWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.plan_create(by=request.user, fields=data.plan_fields())
        return Response(
            s.PlanSerializer(plan_get(pk=plan.pk)).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/maintenance-plans/{plan.pk}/"},
        )


class PlanDetail(_Refusals, base.ApiView):
    """One plan; supervisors and administrators replace it (``is_active`` false
    deactivates it)."""

    @extend_schema(responses={200: s.PlanSerializer, 403: ERRORS[403], 404: ERRORS[404]})
    def get(self, request, plan: int):
        _staff_only(request)
        return Response(s.PlanSerializer(plan_get(pk=plan)).data)

    @extend_schema(request=s.PlanWriteSerializer, responses={200: s.PlanSerializer, **ERRORS})
    def put(self, request, plan: int):
        _staff_only(request)
        services.require_planner(request.user)
        found = plan_get(pk=plan)
        data = s.PlanWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.plan_update(plan_id=found.pk, by=request.user, fields=data.plan_fields())
        active = request.data.get("is_active") if hasattr(request.data, "get") else None
        if isinstance(active, bool):
            services.plan_set_active(plan_id=found.pk, by=request.user, active=active)
        return Response(s.PlanSerializer(plan_get(pk=found.pk)).data)


@extend_schema_view(get=extend_schema(responses={200: s.RunSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]}))
class PlanRuns(_Refusals, base.ListApiView):
    """The plan's runs, newest first, with the ticket each opened."""

    serializer_class = s.RunSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MaintenanceRun.objects.none()
        _staff_only(self.request)
        plan = plan_get(pk=self.kwargs["plan"])
        return (
            MaintenanceRun.objects.filter(plan=plan).select_related("asset", "ticket").order_by("-due_at", "id")[:500]
        )
