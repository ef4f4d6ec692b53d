from django.contrib import admin

from .models import ComponentReport, ProcurementEvent, ProcurementItem, ProcurementRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes go through the services (who may, audit, notices): the admin only reads."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ItemInline(admin.TabularInline):
    model = ProcurementItem
    extra = 0
    can_delete = False
    readonly_fields = ("description", "quantity", "unit_cost", "replaces_asset", "received_asset")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ProcurementRequest)
class ProcurementRequestAdmin(ReadOnlyAdmin):
    list_display = ("reference", "status", "requested_by", "supplier", "total", "created_at")
    list_filter = ("status",)
    list_select_related = ("requested_by", "supplier")
    search_fields = ("reason", "order_reference", "budget_line")
    inlines = [ItemInline]


@admin.register(ComponentReport)
class ComponentReportAdmin(ReadOnlyAdmin):
    list_display = ("asset", "ticket", "recommendation", "status", "estimated_cost", "reported_at")
    list_filter = ("status", "recommendation")
    list_select_related = ("asset", "ticket")


@admin.register(ProcurementEvent)
class ProcurementEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "request", "report", "actor", "from_status", "to_status")
    list_select_related = ("request", "report", "report__asset", "actor")
