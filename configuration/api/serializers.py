from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..choices import RecomputeScope, RecomputeStatus


class RecomputeRequestSerializer(serializers.Serializer):
    """What to recompute: one SLA policy or one business calendar, by id."""

    policy = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    calendar = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    def validate(self, attrs):
        if ("policy" in attrs) == ("calendar" in attrs):
            raise serializers.ValidationError(_("Choose one SLA policy or one business calendar to recompute."))
        return attrs


class RecomputeRunSerializer(serializers.Serializer):
    """A recompute of due times and how far it got."""

    id = serializers.IntegerField()
    scope = serializers.ChoiceField(choices=RecomputeScope.choices)
    object_id = serializers.IntegerField(help_text="The SLA policy's or the calendar's id.")
    subject = serializers.CharField(help_text="What changed.")
    requested_by = serializers.CharField(source="requested_by.username")
    status = serializers.ChoiceField(choices=RecomputeStatus.choices)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    changed = serializers.IntegerField()
    failed = serializers.IntegerField()
    percent = serializers.IntegerField()
