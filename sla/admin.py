from django.contrib import admin

from .models import Calendar, Holiday, SlaEvent, SlaPolicy, WorkingPeriod


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "always_open", "indonesian_holidays")
    inlines = [WorkingPeriodInline, HolidayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "priority",
        "category",
        "calendar",
        "first_response_minutes",
        "resolution_minutes",
        "first_warning_percent",
        "second_warning_percent",
    )
    list_filter = ("priority", "calendar")
    list_select_related = ("category", "calendar")


@admin.register(SlaEvent)
class SlaEventAdmin(admin.ModelAdmin):
    list_display = ("recorded_at", "ticket", "metric", "threshold", "level", "due_at", "notified_at")
    list_filter = ("metric", "threshold", "level")
    raw_id_fields = ("ticket",)
    readonly_fields = [f.name for f in SlaEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
