from datetime import timedelta

from rest_framework import serializers

from accounts.choices import Level
from assets.choices import AssetStatus, AssetType
from assets.models import Asset
from tickets.models import Category, reference_for

from ..choices import NAME_MAX_LENGTH, RULE_MAX_LENGTH
from ..models import MaintenancePlan, MaintenanceRun
from ..services import PlanFields


class PlanSerializer(serializers.ModelSerializer):
    asset = serializers.SlugRelatedField(slug_field="tag", read_only=True)
    category = serializers.SlugRelatedField(slug_field="name", read_only=True)
    lead_time_hours = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = MaintenancePlan
        fields = [
            "id",
            "name",
            "description",
            "asset",
            "asset_type",
            "rrule",
            "dtstart",
            "time_zone",
            "checklist",
            "level",
            "category",
            "lead_time_hours",
            "is_active",
            "next_due_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_lead_time_hours(self, plan) -> float:
        return plan.lead_time.total_seconds() / 3600


class PlanWriteSerializer(serializers.Serializer):
    """A plan as a client sends it: one asset (its tag) or an asset type, an RRULE, an aware
    first occurrence and a time zone; the service checks the rest."""

    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    description = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    asset = serializers.SlugRelatedField(
        slug_field="tag",
        queryset=Asset.objects.exclude(status=AssetStatus.RETIRED),
        required=False,
        allow_null=True,
        default=None,
    )
    asset_type = serializers.ChoiceField(choices=AssetType.choices, required=False, allow_blank=True, default="")
    rrule = serializers.CharField(max_length=RULE_MAX_LENGTH)
    dtstart = serializers.DateTimeField()
    time_zone = serializers.CharField(max_length=64)
    checklist = serializers.ListField(
        child=serializers.CharField(max_length=500, allow_blank=True), max_length=100, required=False, default=list
    )
    level = serializers.ChoiceField(choices=Level.choices)
    category = serializers.SlugRelatedField(
        slug_field="name",
        queryset=Category.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
    )
    lead_time_hours = serializers.IntegerField(min_value=0, max_value=24 * 365, required=False, default=0)

    def plan_fields(self) -> PlanFields:
        data = self.validated_data
        return PlanFields(
            name=data["name"],
            description=data["description"],
            asset=data["asset"],
            asset_type=data["asset_type"],
            rrule=data["rrule"],
            dtstart=data["dtstart"],
            time_zone=data["time_zone"],
            checklist=tuple(data["checklist"]),
            level=int(data["level"]),
            category=data["category"],
            lead_time=timedelta(hours=data["lead_time_hours"]),
        )


class RunSerializer(serializers.ModelSerializer):
    asset = serializers.SlugRelatedField(slug_field="tag", read_only=True)
    ticket = serializers.SerializerMethodField()
    resolved_at = serializers.DateTimeField(source="ticket.resolved_at", read_only=True, allow_null=True, default=None)

    class Meta:
        model = MaintenanceRun
        fields = ["id", "plan", "asset", "due_at", "ticket", "resolved_at", "created_at"]
        read_only_fields = fields

    def get_ticket(self, run) -> str | None:
        return reference_for(run.ticket_id) if run.ticket_id else None
