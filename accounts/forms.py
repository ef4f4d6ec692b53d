import re

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


# Six digits from an authenticator app, or an eight-character backup code (django-otp's
# alphabet: a–z and 2–7), once spaces and dashes are taken out.
ONE_TIME_CODE = re.compile(r"[0-9]{6}|[a-z2-7]{8}")


class OneTimeCodeField(forms.CharField):
    """A code from an authenticator app or a backup code, as people type them (spaces, dashes,
    capitals), returned bare and in lower case."""

    default_error_messages = {
        "invalid": _("Enter the 6-digit code your authenticator app shows, or one of your backup codes."),
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Code"))
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def widget_attrs(self, widget) -> dict:
        return {
            **super().widget_attrs(widget),
            "autocomplete": "one-time-code",
            "inputmode": "text",
            "autocapitalize": "off",
            "spellcheck": "false",
            "class": "font-monospace",
        }

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        code = "".join(value.split()).replace("-", "").lower()
        if not ONE_TIME_CODE.fullmatch(code):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return code


class OneTimeCodeForm(forms.Form):
    """The second step of signing in: a code from the person's app, or a backup code."""

    code = OneTimeCodeField(help_text=_("Open your authenticator app, or use one of your backup codes."))


class TotpConfirmForm(forms.Form):
    """Turning two-factor sign-in on: a current code from the app just set up proves it works."""

    code = OneTimeCodeField(
        label=_("Code from the app"),
        help_text=_("The 6-digit code your authenticator app shows now."),
        error_messages={"invalid": _("Enter the 6-digit code your authenticator app shows.")},
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if not (len(code) == 6 and code.isdigit()):
            raise ValidationError(self.fields["code"].error_messages["invalid"], code="invalid")
        return code


class TwoFactorDisableForm(forms.Form):
    """Turning two-factor sign-in off, confirmed with a current code or the password."""

    code = OneTimeCodeField(required=False, help_text=_("A code from your app, or one of your backup codes."))
    password = forms.CharField(
        label=_("Or your password"),
        required=False,
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors and not cleaned.get("code") and not cleaned.get("password"):
            raise ValidationError(_("Give a code from your app, a backup code or your password."), code="required")
        return cleaned
