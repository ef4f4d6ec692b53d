from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .choices import STAFF_KINDS, NotificationKind
from .models import NotificationPreference
from .services import notification_queue

STAFF_KIND_CHOICES = [(str(kind), NotificationKind(kind).label) for kind in STAFF_KINDS]


class NotificationPreferenceForm(forms.ModelForm):
    """Which notifications reach a person, and how. Support staff pick channels per kind
    and SMS quiet hours; everybody may limit mail about their own tickets to what needs
    them."""

    email_kinds = forms.MultipleChoiceField(
        label=_("Email for"), choices=STAFF_KIND_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    sms_kinds = forms.MultipleChoiceField(
        label=_("SMS for"), choices=STAFF_KIND_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = NotificationPreference
        fields = ["email_kinds", "sms_kinds", "sms_max_priority", "quiet_start", "quiet_end", "essential_email_only"]
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, staff: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.staff = staff
        if not staff:
            for name in ("email_kinds", "sms_kinds", "sms_max_priority", "quiet_start", "quiet_end"):
                del self.fields[name]
        else:
            self.fields["quiet_start"].help_text = _(
                "SMS that would arrive in these hours wait until they end, except for P1 tickets. "
                "Leave both empty for no quiet hours."
            )

    def clean(self) -> dict:
        data = super().clean()
        if self.staff:
            start, end = data.get("quiet_start"), data.get("quiet_end")
            if (start is None) != (end is None):
                missing = "quiet_end" if end is None else "quiet_start"
                self.add_error(missing, _("Give both the start and the end of your quiet hours, or neither."))
            elif start is not None and start == end:
                self.add_error("quiet_end", _("Quiet hours must end at another time than they start."))
        return data


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's password reset form, whose mail goes through the notification outbox (and
    so the delivery log, with retries) in the person's own language, or the one the page
    was asked in for someone who never chose one. The link is built on HELPDESK_BASE_URL,
    never on the Host header of the request that asked for it."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs) -> None:
        link = reverse("password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        notification_queue(
            kind=NotificationKind.PASSWORD_RESET,
            people=[context["user"]],
            context={"reset_url": settings.HELPDESK_BASE_URL + link},
            language=translation.get_language(),
        )
