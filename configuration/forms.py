from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level
from accounts.selectors import support_staff
from sla.models import Calendar
from tickets.choices import Impact
from tickets.models import Category
from tickets.text import single_line

# Longest target a policy may promise: a year of minutes (more is a typing slip).
TARGET_MAX_MINUTES = 525_600


def _minutes(label) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=1, max_value=TARGET_MAX_MINUTES)


def _percent(label) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=1, max_value=99)


class SlaPolicyForm(forms.Form):
    """An SLA policy's targets and calendar; a new one also says which priority (and
    category) it is for, which stays once it is saved."""

    priority = forms.TypedChoiceField(label=_("Priority"), coerce=int, choices=[(p, f"P{p}") for p in (1, 2, 3, 4)])
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("name"),
        required=False,
        empty_label=_("All categories (the priority's default)"),
    )
    calendar = forms.ModelChoiceField(label=_("Business calendar"), queryset=Calendar.objects.order_by("name"))
    first_response_minutes = _minutes(_("First response within (minutes)"))
    resolution_minutes = _minutes(_("Resolution within (minutes)"))
    first_warning_percent = _percent(_("First warning at (% of target)"))
    second_warning_percent = _percent(_("Second warning at (% of target)"))

    def __init__(self, *args, creating: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not creating:
            del self.fields["priority"], self.fields["category"]
        self.helper = FormHelper()
        self.helper.form_id = "form-sla-policy"
        scope = [Div(Div("priority", css_class="col-md-4"), Div("category", css_class="col-md-8"), css_class="row")]
        self.helper.layout = Layout(
            *(scope if creating else []),
            "calendar",
            Div(
                Div("first_response_minutes", css_class="col-md-6"),
                Div("resolution_minutes", css_class="col-md-6"),
                css_class="row",
            ),
            Div(
                Div("first_warning_percent", css_class="col-md-6"),
                Div("second_warning_percent", css_class="col-md-6"),
                css_class="row",
            ),
            Submit("submit", _("Save the policy")),
        )

    def clean(self) -> dict:
        data = super().clean()
        first, second = data.get("first_warning_percent"), data.get("second_warning_percent")
        if first is not None and second is not None and second <= first:
            self.add_error("second_warning_percent", _("The second warning comes after the first."))
        return data


class CategoryForm(forms.Form):
    """A category: its name, what it is for, and where its tickets go first."""

    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    default_level = forms.TypedChoiceField(label=_("Default level"), coerce=int, choices=Level.choices)
    default_impact = forms.ChoiceField(label=_("Default impact"), choices=Impact.choices)
    is_active = forms.BooleanField(label=_("Active (offered for new tickets)"), required=False, initial=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "form-category"
        self.helper.layout = Layout(
            "name",
            "description",
            Div(
                Div("default_level", css_class="col-md-6"), Div("default_impact", css_class="col-md-6"), css_class="row"
            ),
            "is_active",
            Submit("submit", _("Save the category")),
        )


class LevelMemberForm(forms.Form):
    """Who works a level: one member of staff added to it, or taken off it."""

    level = forms.TypedChoiceField(label=_("Level"), coerce=int, choices=Level.choices)
    agent = forms.ModelChoiceField(label=_("Agent"), queryset=support_staff())


class HolidayForm(forms.Form):
    """A day off added to a business calendar."""

    calendar = forms.ModelChoiceField(label=_("Business calendar"), queryset=Calendar.objects.order_by("name"))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Name"), max_length=120)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "form-holiday"
        self.helper.layout = Layout(
            Div(
                Div("calendar", css_class="col-md-4"),
                Div("date", css_class="col-md-3"),
                Div("name", css_class="col-md-5"),
                css_class="row",
            ),
            Submit("submit", _("Add the holiday")),
        )

    def clean_name(self) -> str:
        name = single_line(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Give the holiday a name."), code="required")
        return name


class RecomputeForm(forms.Form):
    """The confirmation of a recompute: one policy or one calendar."""

    policy = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    calendar = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)

    def clean(self) -> dict:
        data = super().clean()
        if (data.get("policy") is None) == (data.get("calendar") is None):
            raise forms.ValidationError(_("Choose one SLA policy or one business calendar to recompute."))
        return data
