from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from .models import User, phone_to_e164


class ProfileForm(forms.ModelForm):
    """What a person may change about themselves."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "phone", "language", "time_zone"]

    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=settings.HELPDESK_TIME_ZONES,
        help_text=_("Dates and times, and your quiet hours for SMS, are shown in this time zone."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("As my browser asks")), *settings.LANGUAGES]
        self.fields["email"].required = True
        self.fields["email"].help_text = _("Notifications about your tickets are sent here.")
        self.helper = FormHelper()
        self.helper.form_id = "profile-form"
        self.helper.layout = Layout(
            Div(Div("first_name", css_class="col-md-6"), Div("last_name", css_class="col-md-6"), css_class="row"),
            Div(Div("email", css_class="col-md-6"), Div("phone", css_class="col-md-6"), css_class="row"),
            Div(Div("language", css_class="col-md-6"), Div("time_zone", css_class="col-md-6"), css_class="row"),
        )
        self.helper.add_input(Submit("submit", _("Save"), css_id="profile-save"))

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if not phone:
            return ""
        try:
            return phone_to_e164(phone)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["phone"]) from exc


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("What will use it, e.g. “Zabbix alerts” or “chat bot”."),
    )


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing a username longer than any account's before a
    password is checked (Django sets the length on the field's widget only)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))
