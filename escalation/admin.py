from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .choices import WEBHOOK_EVENT_CHOICES
from .models import (
    Calendar,
    EscalationRule,
    EscalationRuleFiring,
    Holiday,
    Notification,
    NotificationPreference,
    SlaEvent,
    SlaPolicy,
    SupportLevel,
    WebhookEndpoint,
    WorkingPeriod,
)


@admin.register(SupportLevel)
class SupportLevelAdmin(admin.ModelAdmin):
    list_display = ("number", "name")
    filter_horizontal = ("members",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "channel", "address", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "kind")
    search_fields = ("address", "subject")
    raw_id_fields = ("ticket", "recipient")
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WEBHOOK_EVENT_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "is_active", "secret"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "sms_max_priority", "quiet_start", "quiet_end", "essential_email_only")
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)


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


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "is_active",
        "level",
        "priority",
        "trigger",
        "minutes",
        "metric",
        "threshold",
        "escalate",
        "page_supervisors",
    )
    list_filter = ("is_active", "level", "trigger")
    list_editable = ("is_active",)


@admin.register(EscalationRuleFiring)
class EscalationRuleFiringAdmin(admin.ModelAdmin):
    list_display = ("fired_at", "rule", "ticket", "level")
    list_filter = ("rule",)
    raw_id_fields = ("ticket",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
