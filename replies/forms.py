from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level
from tickets.choices import Impact, Urgency
from tickets.text import multi_line, single_line

from .choices import BODY_MAX_LENGTH, NO_CHANGE, PERSONAL, REPLY_STATUSES, TITLE_MAX_LENGTH
from .models import CannedReply
from .placeholders import PLACEHOLDERS, placeholders_check

PLACEHOLDER_HELP = _("Placeholders: %(names)s. Write {{ and }} for a brace itself.") % {
    "names": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
}


def _body_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=PLACEHOLDER_HELP,
    )


class CannedReplyForm(forms.Form):
    """A canned reply as its page edits it; supervisors may share it with a level."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    scope = forms.ChoiceField(label=_("Who may use it"), choices=())
    body_en = _body_field(_("Text in English"))
    body_id = _body_field(_("Text in Bahasa Indonesia"))
    set_status = forms.ChoiceField(
        label=_("When sent, set the status to"), choices=[NO_CHANGE, *REPLY_STATUSES], required=False
    )
    set_impact = forms.ChoiceField(
        label=_("When sent, set the impact to"), choices=[NO_CHANGE, *Impact.choices], required=False
    )
    set_urgency = forms.ChoiceField(
        label=_("When sent, set the urgency to"), choices=[NO_CHANGE, *Urgency.choices], required=False
    )

    def __init__(self, *args, may_share: bool = False, action: str = "", submit_label=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        scopes = [(PERSONAL, _("Only me"))]
        if may_share:
            scopes += [(str(value), _("Everyone at %(level)s") % {"level": label}) for value, label in Level.choices]
        self.fields["scope"].choices = scopes
        self.helper = FormHelper()
        self.helper.form_id = "form-canned-reply"
        if action:
            self.helper.form_action = action
        self.helper.layout = Layout(
            Div(Div("title", css_class="col-md-8"), Div("scope", css_class="col-md-4"), css_class="row"),
            "body_en",
            "body_id",
            Div(
                Div("set_status", css_class="col-md-4"),
                Div("set_impact", css_class="col-md-4"),
                Div("set_urgency", css_class="col-md-4"),
                css_class="row",
            ),
            Submit("submit", submit_label or _("Save the reply")),
        )

    def clean_title(self) -> str:
        title = single_line(self.cleaned_data["title"])
        if not title:
            raise forms.ValidationError(_("Give the reply a title."), code="required")
        return title

    def _clean_body(self, name: str) -> str:
        body = multi_line(self.cleaned_data.get(name) or "")
        placeholders_check(body)
        return body

    def clean_body_en(self) -> str:
        return self._clean_body("body_en")

    def clean_body_id(self) -> str:
        return self._clean_body("body_id")

    def clean(self) -> dict:
        data = super().clean()
        if "body_en" in data and "body_id" in data and not data["body_en"] and not data["body_id"]:
            self.add_error("body_en", _("Write the reply in English, in Bahasa Indonesia, or both."))
        return data

    def level(self) -> int | None:
        scope = self.cleaned_data["scope"]
        return None if scope == PERSONAL else int(scope)

    @staticmethod
    def initial_for(reply: CannedReply) -> dict:
        return {
            "title": reply.title,
            "scope": PERSONAL if reply.level is None else str(reply.level),
            "body_en": reply.body_en,
            "body_id": reply.body_id,
            "set_status": reply.set_status,
            "set_impact": reply.set_impact,
            "set_urgency": reply.set_urgency,
        }
