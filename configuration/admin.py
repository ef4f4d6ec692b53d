from django.contrib import admin

from .models import RecomputeRun


@admin.register(RecomputeRun)
class RecomputeRunAdmin(admin.ModelAdmin):
    """Recomputes of due times, as a record: who asked, for what, how far it got."""

    list_display = ("created_at", "subject", "requested_by", "status", "total", "done", "changed", "failed")
    list_filter = ("status", "scope")
    list_select_related = ("requested_by",)
    readonly_fields = [field.name for field in RecomputeRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
