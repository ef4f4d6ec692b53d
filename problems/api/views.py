"""The problems API: problems listed, opened, read and changed; incidents linked and
unlinked; a problem resolved or closed, with its open incidents if asked (per-ticket
results). Support staff only, through the same selectors and services as the pages."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from api import views as base
from api.exceptions import IllegalTransition, Invalid, Refused
from api.schema import error_responses
from tickets.text import single_line

from .. import services
from ..choices import ProblemStatus
from ..exceptions import ProblemError, ProblemForbidden
from ..models import Problem
from ..selectors import is_staff, problem_get, problem_incidents, problem_list
from . import serializers as s

ERRORS = error_responses(400, 403, 404, 409)


class NewestFirst(CursorPagination):
    """Stable pages, newest first, with no COUNT over the whole table."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-id")


class ProblemApiFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ProblemStatus.choices)
    q = django_filters.CharFilter(method="search", max_length=200, label=_("Words or a reference (PRB-000012)"))

    class Meta:
        model = Problem
        fields = ["status"]

    def search(self, queryset, name, value):
        words = single_line(value)
        if not words:
            return queryset
        return queryset & problem_list(search=words)


class _Refusals:
    """Not staff 403; input refused 400; a step not possible now 409; each with the service's words."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if not is_staff(request.user):
            raise Refused(_("Only support staff can work on problems."))

    def handle_exception(self, exc):
        if isinstance(exc, ProblemForbidden):
            exc = Refused(exc.message)
        elif isinstance(exc, ProblemError):
            exc = Invalid(exc.message) if exc.field else IllegalTransition(exc.message)
        return super().handle_exception(exc)  # type: ignore[misc]


class ApiView(_Refusals, base.ApiView):
    pass


class ListApiView(_Refusals, base.ListCreateApiView):
    pass


def _problem_response(request, reference: str, code: int = status.HTTP_200_OK) -> Response:
    return Response(s.ProblemSerializer(problem_get(user=request.user, reference=reference)).data, status=code)


# 400 for a filter value that does not parse, 403 for anyone but staff, 404 for a cursor not ours.
@extend_schema_view(
    get=extend_schema(responses={200: s.ProblemSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]})
)
class ProblemList(ListApiView):
    """Problems, newest first (``status``, ``q`` narrow them); POST opens one."""

    serializer_class = s.ProblemSerializer
    pagination_class = NewestFirst
    filterset_class = ProblemApiFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Problem.objects.none()
        return problem_list()

    @extend_schema(request=s.ProblemCreateSerializer, responses={201: s.ProblemSerializer, **ERRORS})
    def post(self, request):
        data = s.ProblemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        created = services.problem_create(
            by=request.user,
            title=fields["title"],
            description=fields["description"],
            owner_id=fields.get("owner"),
            ticket_reference=fields.get("ticket", ""),
        )
        return _problem_response(request, created.reference, status.HTTP_201_CREATED)


class ProblemDetail(ApiView):
    """One problem; PATCH (or PUT) changes its text, owner or status (each change kept with the text before)."""

    @extend_schema(responses={200: s.ProblemSerializer, **ERRORS})
    def get(self, request, reference: str):
        return _problem_response(request, reference)

    def _update(self, request, reference: str):
        problem = problem_get(user=request.user, reference=reference)
        data = s.ProblemUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.problem_update(problem_id=problem.pk, by=request.user, changes=dict(data.validated_data))
        return _problem_response(request, reference)

    @extend_schema(request=s.ProblemUpdateSerializer, responses={200: s.ProblemSerializer, **ERRORS})
    def patch(self, request, reference: str):
        return self._update(request, reference)

    @extend_schema(request=s.ProblemUpdateSerializer, responses={200: s.ProblemSerializer, **ERRORS})
    def put(self, request, reference: str):
        return self._update(request, reference)


class ProblemIncidents(ApiView):
    """The problem's incidents, in the order they were linked; POST links a ticket."""

    @extend_schema(responses={200: s.IncidentSerializer(many=True), **ERRORS}, operation_id="problems_incidents_list")
    def get(self, request, reference: str):
        problem = problem_get(user=request.user, reference=reference)
        return Response(s.IncidentSerializer(problem_incidents(problem=problem), many=True).data)

    @extend_schema(
        request=s.IncidentLinkSerializer,
        responses={201: s.IncidentSerializer, **ERRORS},
        operation_id="problems_incidents_link",
    )
    def post(self, request, reference: str):
        problem = problem_get(user=request.user, reference=reference)
        data = s.IncidentLinkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = services.problem_incident_link(
            problem_id=problem.pk, by=request.user, ticket_reference=data.validated_data["ticket"]
        )
        return Response(s.IncidentSerializer(link).data, status=status.HTTP_201_CREATED)


class ProblemIncident(ApiView):
    @extend_schema(request=None, responses={204: None, **ERRORS}, operation_id="problems_incidents_unlink")
    def delete(self, request, reference: str, ticket: str):
        problem = problem_get(user=request.user, reference=reference)
        services.problem_incident_unlink(problem_id=problem.pk, by=request.user, ticket_reference=ticket)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProblemResolve(ApiView):
    """Resolve or close the problem; with ``resolve_incidents``, each open incident too,
    each with its own result (one refused never holds back the others)."""

    @extend_schema(request=s.ProblemResolveSerializer, responses={200: s.ProblemResolutionSerializer, **ERRORS})
    def post(self, request, reference: str):
        problem = problem_get(user=request.user, reference=reference)
        data = s.ProblemResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.problem_resolve(problem_id=problem.pk, by=request.user, **data.validated_data)
        return Response(
            s.ProblemResolutionSerializer(
                {"problem": problem_get(user=request.user, reference=reference), "incidents": result.incidents}
            ).data
        )
