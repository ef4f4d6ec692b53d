from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Presence


class PresenceForm(forms.Form):
    presence = forms.ChoiceField(
        label=_("Presence"),
        choices=Presence.choices,
        error_messages={"invalid_choice": _("Choose available, away or off.")},
    )
