from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.ratings import rating_choices
from tickets.text import multi_line

from .choices import COMMENT_MAX_LENGTH


class RatingForm(forms.Form):
    """A score on the helpdesk's scale (HELPDESK_CSAT_SCALE) and an optional comment."""

    score = forms.TypedChoiceField(label=_("How did we do?"), coerce=int, widget=forms.RadioSelect, choices=())
    comment = forms.CharField(
        label=_("Anything you want to tell us? (optional)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_rating_%s")
        super().__init__(*args, **kwargs)
        self.fields["score"].choices = [(str(score), label) for score, label in reversed(rating_choices())]
        self.helper = FormHelper()
        self.helper.form_id = "form-rating"
        if action:
            self.helper.form_action = action
        self.helper.add_input(Submit("submit", _("Send my rating"), css_id="form-rating-submit"))

    def clean_comment(self) -> str:
        return multi_line(self.cleaned_data.get("comment") or "")
