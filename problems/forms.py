from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.text import multi_line, single_line

from .choices import ACTIVE_STATUSES, FINAL_STATUSES, ProblemStatus
from .services import LONG_TEXT


class _TextField(forms.CharField):
    """Free text cleaned as the services clean it, so text of nothing but control
    characters is this field's error."""

    def to_python(self, value):
        return multi_line(super().to_python(value))


class _LineField(forms.CharField):
    def to_python(self, value):
        return single_line(super().to_python(value))


def _helper(form: forms.Form, *, action: str, label, form_id: str, css: str = "btn-primary") -> FormHelper:
    helper = FormHelper(form)
    helper.form_action = action
    helper.form_id = form_id
    helper.add_input(Submit("submit", label, css_class=css, css_id=f"{form_id}-submit"))
    return helper


class ProblemFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *ProblemStatus.choices], required=False
    )
    q = _LineField(label=_("Search"), max_length=200, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_method = "get"
        self.helper.form_id = "problem-filter"
        self.helper.add_input(Submit("", _("Filter"), css_class="btn-outline-primary", css_id="problem-filter-submit"))


class ProblemCreateForm(forms.Form):
    title = _LineField(
        label=_("Title"), max_length=200, help_text=_("The cause in a few words, e.g. “VPN drops at 09:00”.")
    )
    description = _TextField(
        label=_("Description"), max_length=LONG_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, action: str, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_new_%s")
        super().__init__(*args, **kwargs)
        self.helper = _helper(self, action=action, label=_("Open the problem"), form_id="problem-new")


class ProblemEditForm(forms.Form):
    title = _LineField(label=_("Title"), max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(status.value, status.label) for status in ProblemStatus if status in ACTIVE_STATUSES],
    )
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, empty_value=None, required=False)
    description = _TextField(
        label=_("Description"), max_length=LONG_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    root_cause = _TextField(
        label=_("Root cause"),
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is behind the incidents, as far as it is known. Earlier text is kept in the history."),
    )
    workaround = _TextField(
        label=_("Workaround"),
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What people can do meanwhile, written for them: it can be sent as a reply on each incident."),
    )

    def __init__(self, *args, action: str, owners, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_edit_%s")
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Nobody")), *owners]
        self.helper = _helper(self, action=action, label=_("Save"), form_id="problem-edit")


class IncidentLinkForm(forms.Form):
    ticket = _LineField(
        label=_("Ticket"),
        max_length=40,
        help_text=_("The reference of another incident of this problem, e.g. HD-000123."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "HD-000123"}),
    )

    def __init__(self, *args, action: str, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_link_%s")
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            self, action=action, label=_("Link the incident"), form_id="problem-link", css="btn-outline-primary"
        )


class ProblemResolveForm(forms.Form):
    status = forms.ChoiceField(
        label=_("End as"),
        choices=[(status.value, status.label) for status in ProblemStatus if status in FINAL_STATUSES],
        initial=ProblemStatus.RESOLVED,
    )
    resolution = _TextField(
        label=_("Resolution"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What fixed the cause. Incidents resolved with the problem get this as their resolution summary."),
    )
    resolve_incidents = forms.BooleanField(
        label=_("Also resolve its open incidents (their requesters are told)"), required=False, initial=True
    )

    def __init__(self, *args, action: str, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_resolve_%s")
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            self, action=action, label=_("Resolve or close"), form_id="problem-resolve", css="btn-success"
        )
