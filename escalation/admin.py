from django.contrib import admin

from .models import EscalationRule, EscalationRuleFiring, Page


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "is_active",
        "level",
        "priority",
        "trigger",
        "minutes",
        "metric",
        "threshold",
        "escalate",
        "page_supervisors",
    )
    list_filter = ("is_active", "level", "trigger")
    list_editable = ("is_active",)


@admin.register(EscalationRuleFiring)
class EscalationRuleFiringAdmin(admin.ModelAdmin):
    list_display = ("fired_at", "rule", "ticket", "level")
    list_filter = ("rule",)
    raw_id_fields = ("ticket",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    """Pages sent, read-only: who was paged, the repeats, who acknowledged and when."""

    list_display = (
        "created_at",
        "ticket",
        "kind",
        "repeats_sent",
        "next_repeat_at",
        "acknowledged_at",
        "acknowledged_by",
    )
    list_filter = ("kind",)
    list_select_related = ("ticket", "acknowledged_by")
    fields = (
        "ticket",
        "kind",
        "rule",
        "sla_event",
        "paged",
        "created_at",
        "repeats_sent",
        "next_repeat_at",
        "acknowledged_at",
        "acknowledged_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
