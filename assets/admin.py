from django.contrib import admin

from .models import Asset


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ("tag", "name", "asset_type", "status", "user", "location", "warranty_ends_on")
    list_filter = ("asset_type", "status")
    search_fields = ("tag", "name", "serial_number", "host_name")
    list_select_related = ("user",)
    raw_id_fields = ("user", "parent", "vendor")
