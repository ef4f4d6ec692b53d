from django.contrib import admin

from .models import EscalationRule, EscalationRuleFiring


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
