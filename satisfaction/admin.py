from django.contrib import admin

from .models import Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """Read-only: ratings are the requesters' own words."""

    list_display = ("ticket", "score", "scale", "agent", "level", "category", "rated_at")
    list_filter = ("score", "scale", "level")
    search_fields = ("comment",)
    list_select_related = ("ticket", "agent", "category")
    readonly_fields = (
        "ticket",
        "requester",
        "score",
        "scale",
        "comment",
        "agent",
        "level",
        "category",
        "created_at",
        "rated_at",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
