from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Alert, AlertDelivery


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(ReadOnlyAdmin):
    """Every POST from a monitoring tool, read-only: refused ones with the reason and the
    body as it came, so the sender's configuration can be put right."""

    list_display = ("received_at", "source", "status", "alert_count", "sender", "address", "short_reason")
    list_filter = ("status", "source")
    search_fields = ("reason", "address")
    list_select_related = ("sender",)
    fields = (
        "source",
        "status",
        "reason",
        "sender",
        "address",
        "size",
        "alert_count",
        "received_at",
        "processed_at",
        "body",
    )
    readonly_fields = fields

    @admin.display(description=_("reason"))
    def short_reason(self, delivery: AlertDelivery) -> str:
        return delivery.reason[:120]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    """The alerts the helpdesk follows, one per key, with the ticket each opened."""

    list_display = ("name", "host", "severity", "state", "fire_count", "ticket", "first_seen_at", "last_seen_at")
    list_filter = ("state", "source", "severity")
    search_fields = ("name", "host", "key")
    list_select_related = ("ticket",)
    fields = (
        "source",
        "key",
        "name",
        "severity",
        "host",
        "labels",
        "state",
        "ticket",
        "fire_count",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
    )
    readonly_fields = fields
