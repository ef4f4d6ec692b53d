from django.contrib import admin

from .models import Problem, ProblemEvent, ProblemIncident


class ProblemIncidentInline(admin.TabularInline):
    model = ProblemIncident
    fields = ("ticket", "added_by", "added_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


class ProblemEventInline(admin.TabularInline):
    model = ProblemEvent
    fields = ("created_at", "actor", "kind", "field", "from_value", "to_value")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    """Read-only: problems change through their pages and the API, where every change is recorded."""

    list_display = ("__str__", "status", "owner", "created_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("title", "root_cause", "workaround")
    readonly_fields = (
        "title",
        "description",
        "status",
        "root_cause",
        "workaround",
        "resolution",
        "owner",
        "created_by",
        "created_at",
        "updated_at",
        "resolved_at",
    )
    inlines = [ProblemIncidentInline, ProblemEventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
