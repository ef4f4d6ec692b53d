from django.contrib import admin

from .models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    """Read-only: the background processes write their own heartbeats."""

    list_display = ("name", "beat_at")
    readonly_fields = ("name", "beat_at")

    def has_add_permission(self, request):
        return False
