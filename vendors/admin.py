from django.contrib import admin

from .models import Vendor, VendorContact, VendorContract


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
