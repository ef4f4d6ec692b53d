"""The reports' figures as JSON: the same RangeReport the reports page shows, each figure
under the name the page's CSV export gives it. Durations are minutes (a decimal number),
None where nothing was measured."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.choices import Level

from ..selectors import RangeReport


@extend_schema_field(OpenApiTypes.DOUBLE)
class MinutesField(serializers.Field):
    """A duration as minutes, one decimal place (as in the CSV export)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return round(value.total_seconds() / 60, 1) if isinstance(value, timedelta) else value


def _count(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(read_only=True, **kwargs)


def _share(**kwargs) -> serializers.FloatField:
    return serializers.FloatField(read_only=True, allow_null=True, **kwargs)


class ReportPeriodSerializer(serializers.Serializer):
    start = serializers.DateField(read_only=True)
    end = serializers.DateField(read_only=True, help_text=_("The last day of the period (included)."))
    time_zone = serializers.CharField(read_only=True)
    level = serializers.IntegerField(read_only=True, allow_null=True)
    category_id = serializers.IntegerField(read_only=True, allow_null=True)
    agent_id = serializers.IntegerField(read_only=True, allow_null=True)


class ComplianceTotalsSerializer(serializers.Serializer):
    tickets = _count()
    fr_met = _count(help_text=_("First response met."))
    fr_missed = _count()
    fr_pct = _share()
    res_met = _count(help_text=_("Resolution met."))
    res_missed = _count()
    res_pct = _share()


class ComplianceRowSerializer(ComplianceTotalsSerializer):
    level = _count()
    priority = _count()


class ResponseRowSerializer(serializers.Serializer):
    level = _count()
    priority = _count()
    acknowledged = _count()
    mtta_p50 = MinutesField()
    mtta_p90 = MinutesField()
    resolved = _count()
    mttr_p50 = MinutesField()
    mttr_p90 = MinutesField()


class FunnelSerializer(serializers.Serializer):
    created = _count()
    started_at_level_1 = _count()
    started_at_level_2 = _count()
    started_at_level_3 = _count()
    escalated_to_level_2 = _count()
    escalated_to_level_3 = _count()
    bounced = _count(help_text=_("Sent back down."))
    above_first = _count()
    to_ii_pct = _share()
    to_iii_pct = _share()
    bounced_pct = _share()
    resolved_from_first = _count()
    solved_at_first = _count()
    solved_at_first_pct = _share()


class WorkloadRowSerializer(serializers.Serializer):
    agent_id = _count()
    agent = serializers.CharField(read_only=True)
    open = _count()
    resolved = _count()
    handling_p50 = MinutesField()


class AgingRowSerializer(serializers.Serializer):
    age = serializers.CharField(read_only=True, help_text=_("Days open: 0-1, 1-3, 3-7 or 7+."))
    tickets = _count()


class ChannelRowSerializer(serializers.Serializer):
    channel = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    tickets = _count()


class CategoryRowSerializer(serializers.Serializer):
    category_id = serializers.IntegerField(read_only=True, allow_null=True)
    label = serializers.CharField(read_only=True)
    tickets = _count()


class TrendRowSerializer(serializers.Serializer):
    day = serializers.DateField(read_only=True)
    created = _count()
    resolved = _count()


class RatingFiguresSerializer(serializers.Serializer):
    ratings = _count()
    average = _share()
    satisfied = _count()
    satisfied_pct = _share()
    low = _count()


class RatingGroupSerializer(RatingFiguresSerializer):
    id = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("The agent, level or category."))
    label = serializers.CharField(read_only=True)


class SatisfactionSerializer(serializers.Serializer):
    totals = RatingFiguresSerializer(read_only=True)
    agents = RatingGroupSerializer(many=True, read_only=True)
    levels = RatingGroupSerializer(many=True, read_only=True)
    categories = RatingGroupSerializer(many=True, read_only=True)


class TimeFiguresSerializer(serializers.Serializer):
    minutes = _count(help_text=_("The time recorded, in whole minutes."))
    entries = _count(help_text=_("How many times time was recorded."))
    tickets = _count(help_text=_("How many different tickets the time was spent on."))


class TimeGroupSerializer(TimeFiguresSerializer):
    id = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("The agent, level or category."))
    label = serializers.CharField(read_only=True)


class TimeTicketSerializer(TimeFiguresSerializer):
    id = _count()
    reference = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True, help_text=_("The ticket's subject."))
    level = _count()


class TimeSpentSerializer(serializers.Serializer):
    totals = TimeFiguresSerializer(read_only=True)
    agents = TimeGroupSerializer(many=True, read_only=True)
    levels = TimeGroupSerializer(many=True, read_only=True)
    categories = TimeGroupSerializer(many=True, read_only=True)
    tickets = TimeTicketSerializer(
        many=True, read_only=True, help_text=_("The tickets with the most time, as many as the page lists.")
    )


class ReportSerializer(serializers.Serializer):
    period = ReportPeriodSerializer(read_only=True)
    generated_at = serializers.DateTimeField(read_only=True)
    compliance = ComplianceRowSerializer(many=True, read_only=True)
    compliance_totals = ComplianceTotalsSerializer(read_only=True)
    response = ResponseRowSerializer(many=True, read_only=True)
    funnel = FunnelSerializer(read_only=True)
    workload = WorkloadRowSerializer(many=True, read_only=True)
    aging = AgingRowSerializer(many=True, read_only=True)
    channels = ChannelRowSerializer(many=True, read_only=True)
    categories = CategoryRowSerializer(many=True, read_only=True)
    trend = TrendRowSerializer(many=True, read_only=True)
    satisfaction = SatisfactionSerializer(read_only=True)
    time = TimeSpentSerializer(read_only=True)


def _grouped(figures: dict, key: str) -> dict:
    """Per-agent, per-level and per-category rows under one ``id``."""
    ids = {"agents": "agent_id", "levels": "level", "categories": "category_id"}
    return {
        **figures,
        **{group: [{**row, "id": row.get(name)} for row in figures.get(group, [])] for group, name in ids.items()},
        **({"tickets": [{**row, "id": row["ticket_id"]} for row in figures["tickets"]]} if key == "time" else {}),
    }


def report_representation(report: RangeReport) -> dict:
    """The report as the ReportSerializer reads it."""
    funnel = report.funnel
    empty_time = {"totals": {"minutes": 0, "entries": 0, "tickets": 0}, "agents": [], "levels": [], "categories": []}
    return {
        "period": report.filters,
        "generated_at": report.generated_at,
        "compliance": report.compliance,
        "compliance_totals": report.compliance_totals,
        "response": report.response,
        "funnel": {
            **funnel,
            **{f"started_at_level_{level.value}": funnel["started"][level] for level in Level},
            "escalated_to_level_2": funnel["escalated_to"][Level.II],
            "escalated_to_level_3": funnel["escalated_to"][Level.III],
        },
        "workload": report.workload,
        "aging": [{"age": age, "tickets": n} for age, n in report.aging.items()],
        "channels": [{**row, "label": str(row["label"])} for row in report.channels],
        "categories": report.categories,
        "trend": report.trend,
        "satisfaction": _grouped(report.satisfaction, "satisfaction"),
        "time": _grouped(report.time or {**empty_time, "tickets": []}, "time"),
    }
