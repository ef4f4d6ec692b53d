from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from .models import Calendar, Holiday, SlaEvent, SlaPolicy, WorkingPeriod


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


class OffersRecompute:
    """After a save that can move due times, the page that offers to recompute the due
    times of the open tickets the object governs (unless the person stays on the form)."""

    recompute_parameter = ""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        request.due_times_may_move = form.has_changed() or any(formset.has_changed() for formset in formsets)

    def _offer(self, request, obj, response):
        staying = any(key in request.POST for key in ("_continue", "_addanother", "_saveasnew"))
        if staying or not getattr(request, "due_times_may_move", False):
            return response
        return redirect(f"{reverse('configuration:recompute')}?{self.recompute_parameter}={obj.pk}")

    def response_add(self, request, obj, post_url_continue=None):
        return self._offer(request, obj, super().response_add(request, obj, post_url_continue))

    def response_change(self, request, obj):
        return self._offer(request, obj, super().response_change(request, obj))


@admin.register(Calendar)
class CalendarAdmin(OffersRecompute, admin.ModelAdmin):
    recompute_parameter = "calendar"
    list_display = ("name", "time_zone", "always_open", "indonesian_holidays")
    inlines = [WorkingPeriodInline, HolidayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(OffersRecompute, admin.ModelAdmin):
    recompute_parameter = "policy"
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

    def get_readonly_fields(self, request, obj=None):
        """Which tickets a policy governs (its priority and category) is chosen when it is
        made: changed later, the tickets it governed before would keep due times counted
        under it, and the recompute it offers would not reach them. To move a policy,
        delete it and add another, as on the supervisors' page."""
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "priority", "category") if obj is not None else fields

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
