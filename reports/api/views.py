"""The reports API: the figures of the reports page as JSON, for the same filters and the
same people (reports.access decides both)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.choices import Level
from api.schema import error_responses
from api.views import ApiView

from ..access import report_filters, report_for
from ..forms import PRESETS
from .serializers import ReportSerializer, report_representation

FILTERS = [
    OpenApiParameter(
        "preset",
        str,
        enum=[code for code, _label in PRESETS],
        description=_("The period: today, the last 7 or 30 days, this month, or custom (give start and end)."),
    ),
    OpenApiParameter("start", str, description=_("The first day, YYYY-MM-DD (with preset=custom).")),
    OpenApiParameter("end", str, description=_("The last day, YYYY-MM-DD, included (with preset=custom).")),
    OpenApiParameter("level", int, enum=list(Level.values)),
    OpenApiParameter("category", int, description=_("A category's id.")),
    OpenApiParameter(
        "agent", int, description=_("An agent's id (supervisors and administrators; an agent sees their own).")
    ),
]


class ReportFigures(ApiView):
    """Every figure of the reports page for a period: SLA compliance, response times, the
    escalation funnel, workload, aging, channels, categories, the daily trend, satisfaction
    and time spent. Supervisors and administrators see everyone's figures; an agent their
    own, as on the page; requesters none."""

    @extend_schema(parameters=FILTERS, responses={200: ReportSerializer, **error_responses(400, 403)})
    def get(self, request):
        form, filters = report_filters(user=request.user, params=request.query_params)
        if filters is None:
            raise serializers.ValidationError(
                {field: [str(message) for message in messages] for field, messages in form.errors.items()}
            )
        return Response(ReportSerializer(report_representation(report_for(filters))).data)
