from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.text import multi_line

from .forms import PLACEHOLDER_HELP
from .models import CannedReply
from .placeholders import placeholders_check


class CannedReplyAdminForm(forms.ModelForm):
    """The admin's form: the same placeholder checks as the page."""

    class Meta:
        model = CannedReply
        fields = ["title", "level", "owner", "body_en", "body_id", "set_status", "set_impact", "set_urgency"]
        help_texts = {"body_en": PLACEHOLDER_HELP, "body_id": PLACEHOLDER_HELP}

    def clean_body_en(self) -> str:
        body = multi_line(self.cleaned_data.get("body_en") or "")
        placeholders_check(body)
        return body

    def clean_body_id(self) -> str:
        body = multi_line(self.cleaned_data.get("body_id") or "")
        placeholders_check(body)
        return body

    def clean(self) -> dict:
        data = super().clean()
        if (data.get("level") is None) == (data.get("owner") is None):
            raise forms.ValidationError(_("Share the reply with one level, or make it one person's own: not both."))
        if "body_en" in data and "body_id" in data and not data["body_en"] and not data["body_id"]:
            self.add_error("body_en", _("Write the reply in English, in Bahasa Indonesia, or both."))
        return data


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    form = CannedReplyAdminForm
    list_display = ("title", "level", "owner", "set_status", "updated_at")
    list_filter = ("level", "set_status")
    search_fields = ("title", "body_en", "body_id")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)

    def save_model(self, request, obj, form, change):
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)
