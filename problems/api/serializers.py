from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..choices import ACTIVE_STATUSES, FINAL_STATUSES, ProblemStatus
from ..services import LONG_TEXT


class ProblemPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, person) -> str:
        return str(person)


class ProblemSerializer(serializers.Serializer):
    reference = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=ProblemStatus.choices, read_only=True)
    root_cause = serializers.CharField(read_only=True)
    workaround = serializers.CharField(read_only=True)
    resolution = serializers.CharField(read_only=True)
    owner = ProblemPersonSerializer(read_only=True, allow_null=True)
    incident_count = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    resolved_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_url(self, problem) -> str:
        return f"/api/v1/problems/{problem.reference}/"


class ProblemCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    owner = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("A member of staff; left out: you."),
    )
    ticket = serializers.CharField(
        max_length=40, required=False, help_text=_("A ticket to link as its first incident (HD-000123).")
    )


class ProblemUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)
    root_cause = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)
    workaround = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)
    owner = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
    status = serializers.ChoiceField(
        choices=[(status.value, status.label) for status in ProblemStatus if status in ACTIVE_STATUSES],
        required=False,
        help_text=_("Open or known error; resolve or close with …/resolve/."),
    )


class IncidentSerializer(serializers.Serializer):
    ticket = serializers.CharField(source="ticket.reference", read_only=True)
    subject = serializers.CharField(source="ticket.subject", read_only=True)
    status = serializers.CharField(source="ticket.status", read_only=True)
    added_by = ProblemPersonSerializer(read_only=True)
    added_at = serializers.DateTimeField(read_only=True)


class IncidentLinkSerializer(serializers.Serializer):
    ticket = serializers.CharField(max_length=40, help_text=_("The ticket's reference, e.g. HD-000123."))


class ProblemResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=LONG_TEXT)
    status = serializers.ChoiceField(
        choices=[(status.value, status.label) for status in ProblemStatus if status in FINAL_STATUSES],
        default=ProblemStatus.RESOLVED,
    )
    resolve_incidents = serializers.BooleanField(
        default=False, help_text=_("Also resolve each open incident with this resolution (their requesters are told).")
    )


class TicketOutcomeSerializer(serializers.Serializer):
    ticket = serializers.CharField(source="reference", read_only=True)
    resolved = serializers.BooleanField(source="done", read_only=True)
    message = serializers.CharField(read_only=True)


class ProblemResolutionSerializer(serializers.Serializer):
    problem = ProblemSerializer(read_only=True)
    incidents = TicketOutcomeSerializer(many=True, read_only=True)
