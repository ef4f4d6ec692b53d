from django.contrib import admin

from .models import Vendor, VendorContact, VendorContract, VendorEscalation


class VendorContactInline(admin.TabularInline):
    model = VendorContact
    extra = 0


class VendorContractInline(admin.TabularInline):
    model = VendorContract
    extra = 0


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "phone", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "email")
    inlines = [VendorContactInline, VendorContractInline]


@admin.register(VendorEscalation)
class VendorEscalationAdmin(admin.ModelAdmin):
    """Read-only: escalations change through their services (the ticket's page), which
    keep the ticket's status, clocks and audit trail in step."""

    list_display = ("ticket", "vendor", "status", "escalated_at", "response_due_at", "resolution_due_at")
    list_filter = ("status",)
    search_fields = ("vendor__name", "vendor_reference", "contact_email")
    raw_id_fields = ("ticket",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
