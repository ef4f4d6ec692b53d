from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level
from tickets.choices import Priority, Status

ANY = [("", _("Any"))]


class SearchForm(forms.Form):
    """The search box on every page and the filters of the results page."""

    q = forms.CharField(label=_("Search"), max_length=200, required=False, strip=True)
    status = forms.ChoiceField(label=_("Status"), choices=ANY + list(Status.choices), required=False)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=ANY + list(Priority.choices), coerce=int, empty_value=None, required=False
    )
    level = forms.TypedChoiceField(
        label=_("Level"), choices=ANY + list(Level.choices), coerce=int, empty_value=None, required=False
    )
    requester = forms.CharField(
        label=_("Requester"),
        max_length=150,
        required=False,
        help_text=_("User name or email address."),
    )
    created_after = forms.DateField(label=_("Filed from"), required=False)
    created_before = forms.DateField(label=_("Filed until"), required=False)
    page = forms.IntegerField(min_value=1, max_value=1000, required=False)

    def __init__(self, *args, staff: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not staff:
            # A requester searches only their own tickets: no one else's to pick.
            del self.fields["requester"]
            del self.fields["level"]

    def clean(self):
        data = super().clean()
        after, before = data.get("created_after"), data.get("created_before")
        if after and before and after > before:
            self.add_error("created_before", _("The end date is before the start date."))
        return data
