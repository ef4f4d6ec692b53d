from rest_framework import serializers

from assets.choices import AssetType

from ..choices import Decision, Recommendation
from ..models import ComponentReport, ProcurementEvent, ProcurementItem, ProcurementRequest


class ProcurementPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


class ComponentReportSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.reference")
    asset_tag = serializers.CharField(source="asset.tag")
    reported_by = ProcurementPersonSerializer()
    decided_by = ProcurementPersonSerializer(allow_null=True)
    procurement = serializers.SerializerMethodField()

    class Meta:
        model = ComponentReport
        fields = [
            "id",
            "ticket",
            "asset_tag",
            "fault",
            "recommendation",
            "estimated_cost",
            "currency",
            "status",
            "reported_by",
            "reported_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "procurement",
        ]

    def get_procurement(self, report) -> str | None:
        return report.procurement.reference if report.procurement_id else None


class ComponentReportCreateSerializer(serializers.Serializer):
    ticket = serializers.CharField(max_length=20)
    asset_tag = serializers.CharField(max_length=200)
    fault = serializers.CharField(max_length=4000)
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    estimated_cost = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)


class ReportDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ProcurementItemSerializer(serializers.ModelSerializer):
    replaces_asset = serializers.CharField(source="replaces_asset.tag", allow_null=True, default=None)
    received_asset = serializers.CharField(source="received_asset.tag", allow_null=True, default=None)
    line_total = serializers.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        model = ProcurementItem
        fields = ["id", "description", "quantity", "unit_cost", "line_total", "replaces_asset", "received_asset"]


class ProcurementEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)

    class Meta:
        model = ProcurementEvent
        fields = ["created_at", "actor", "from_status", "to_status", "reason"]


class ProcurementSerializer(serializers.ModelSerializer):
    reference = serializers.CharField()
    requested_by = ProcurementPersonSerializer()
    first_approved_by = ProcurementPersonSerializer(allow_null=True)
    second_approved_by = ProcurementPersonSerializer(allow_null=True)
    supplier = serializers.CharField(source="supplier.name", allow_null=True, default=None)
    items = ProcurementItemSerializer(many=True)
    tickets = serializers.SlugRelatedField(many=True, read_only=True, slug_field="reference")
    assets = serializers.SlugRelatedField(many=True, read_only=True, slug_field="tag")
    events = ProcurementEventSerializer(many=True)

    class Meta:
        model = ProcurementRequest
        fields = [
            "reference",
            "status",
            "reason",
            "budget_line",
            "currency",
            "total",
            "requested_by",
            "created_at",
            "submitted_at",
            "first_approved_by",
            "first_approved_at",
            "second_approved_by",
            "second_approved_at",
            "decision_reason",
            "supplier",
            "order_reference",
            "expected_on",
            "ordered_at",
            "received_at",
            "items",
            "tickets",
            "assets",
            "events",
        ]


class ItemInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    quantity = serializers.IntegerField(min_value=1, max_value=100000)
    unit_cost = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    replaces_asset_tag = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ProcurementCreateSerializer(serializers.Serializer):
    items = ItemInputSerializer(many=True, allow_empty=False, max_length=50)
    reason = serializers.CharField(max_length=4000)
    budget_line = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    tickets = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, default=list, max_length=50
    )
    assets = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list, max_length=50
    )
    submit = serializers.BooleanField(required=False, default=True)


class StepReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ProcurementOrderSerializer(serializers.Serializer):
    supplier = serializers.IntegerField(min_value=1)
    order_reference = serializers.CharField(max_length=120)
    expected_on = serializers.DateField()


class ProcurementReceiptSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1)
    tag = serializers.CharField(max_length=200)
    asset_type = serializers.ChoiceField(choices=AssetType.choices)
    serial_number = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class ReceiveSerializer(serializers.Serializer):
    receipts = ProcurementReceiptSerializer(many=True, required=False, default=list, max_length=50)
    resolve_tickets = serializers.BooleanField(required=False, default=False)
    resolution = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
