from django.contrib import admin

from .models import MaintenancePlan, MaintenanceRun


class _ReadOnly(admin.ModelAdmin):
    """Plans are kept on their own pages, where the rule is checked and the next occurrence
    computed; runs are written by the generation alone. The admin shows both."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MaintenancePlan)
class MaintenancePlanAdmin(_ReadOnly):
    list_display = ("name", "asset", "asset_type", "rrule", "level", "next_due_at", "is_active")
    list_filter = ("is_active", "level", "asset_type")
    search_fields = ("name", "asset__tag")
    list_select_related = ("asset",)


@admin.register(MaintenanceRun)
class MaintenanceRunAdmin(_ReadOnly):
    list_display = ("plan", "asset", "due_at", "ticket", "created_at")
    list_filter = ("due_at",)
    search_fields = ("plan__name", "asset__tag")
    list_select_related = ("plan", "asset", "ticket")
    raw_id_fields = ("plan", "asset", "ticket")
