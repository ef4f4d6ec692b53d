"""The recompute of due times through the API: start one for an SLA policy or a calendar,
read its progress. Supervisors and administrators only."""

from django.http import Http404
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from api import views as base
from api.exceptions import Invalid, Refused
from api.schema import error_responses

from ..exceptions import ConfigurationError
from ..selectors import recompute_run_get
from ..services import recompute_request
from . import serializers as s


class _SupervisorsApi:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if not request.user.has_perm("tickets.supervise_ticket"):
            raise Refused(gettext("Only supervisors and administrators recompute due times."))


class RecomputeStart(_SupervisorsApi, base.ApiView):
    """Recompute the due times of the open tickets an SLA policy (or a business calendar)
    governs, in the background: 202 with the new run, or 200 with the run of the same
    scope already at work."""

    @extend_schema(
        request=s.RecomputeRequestSerializer,
        responses={202: s.RecomputeRunSerializer, 200: s.RecomputeRunSerializer, **error_responses(400, 403)},
    )
    def post(self, request):
        data = s.RecomputeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            run, started = recompute_request(
                by=request.user,
                policy_id=data.validated_data.get("policy"),
                calendar_id=data.validated_data.get("calendar"),
            )
        except ConfigurationError as error:
            raise Invalid(error.message) from None
        return Response(
            s.RecomputeRunSerializer(run).data, status=status.HTTP_202_ACCEPTED if started else status.HTTP_200_OK
        )


class RecomputeDetail(_SupervisorsApi, base.ApiView):
    """A recompute's progress: poll it until its status is `finished` (or `failed`)."""

    @extend_schema(responses={200: s.RecomputeRunSerializer, **error_responses(403, 404)})
    def get(self, request, run_id: int):
        run = recompute_run_get(run_id=run_id)
        if run is None:
            raise Http404
        return Response(s.RecomputeRunSerializer(run).data)
