from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .choices import WEBHOOK_EVENT_CHOICES
from .models import FailingAddress, Notification, NotificationPreference, WebhookEndpoint
from .webhooks import webhook_url_validate


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
    # The address check with Django's own, so a shorthand it calls invalid (127.1) also
    # says which address it spells.
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https", validators=[webhook_url_validate])
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


@admin.register(FailingAddress)
class FailingAddressAdmin(admin.ModelAdmin):
    """Addresses bounces said mail no longer reaches; deleting a row clears the mark."""

    list_display = ("address", "status_code", "bounces", "last_failed_at")
    search_fields = ("address",)
    readonly_fields = ("address", "reason", "status_code", "bounces", "first_failed_at", "last_failed_at")

    def has_add_permission(self, request):
        return False
