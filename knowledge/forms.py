from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.models import Category
from tickets.text import multi_line, single_line

from .choices import ArticleStatus, Helpful, Visibility
from .models import BODY_LENGTH, TITLE_LENGTH

MARKDOWN_HELP = _(
    "Plain language, step by step. Markdown: a blank line between paragraphs, ## for a heading, "
    "1. for numbered steps, **bold**, [text](https://…) for a link."
)


class ArticleForm(forms.Form):
    """An article's classification and its English and Indonesian versions (either, or both)."""

    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True), required=False, empty_label="—"
    )
    visibility = forms.ChoiceField(label=_("Who may read it"), choices=Visibility.choices, initial=Visibility.PUBLIC)
    title_en = forms.CharField(label=_("Title in English"), max_length=TITLE_LENGTH, required=False)
    body_en = forms.CharField(
        label=_("Text in English"),
        max_length=BODY_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=MARKDOWN_HELP,
    )
    title_id = forms.CharField(label=_("Title in Bahasa Indonesia"), max_length=TITLE_LENGTH, required=False)
    body_id = forms.CharField(
        label=_("Text in Bahasa Indonesia"),
        max_length=BODY_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=MARKDOWN_HELP,
    )
    submit_for_review = forms.BooleanField(label=_("Hand it in for review (a supervisor publishes it)"), required=False)

    def __init__(self, *args, show_review: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not show_review:
            del self.fields["submit_for_review"]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Div(Div("category", css_class="col-md-6"), Div("visibility", css_class="col-md-6"), css_class="row"),
            Fieldset(_("English"), "title_en", "body_en"),
            Fieldset(_("Bahasa Indonesia"), "title_id", "body_id"),
            *(["submit_for_review"] if show_review else []),
            Submit("save", _("Save")),
        )

    def clean(self):
        data = super().clean()
        languages = 0
        for language in ("en", "id"):
            title = single_line(data.get(f"title_{language}") or "")
            body = multi_line(data.get(f"body_{language}") or "")
            data[f"title_{language}"], data[f"body_{language}"] = title, body
            if bool(title) != bool(body):
                missing = f"body_{language}" if title else f"title_{language}"
                self.add_error(missing, _("A language version needs both a title and a text."))
            languages += bool(title and body)
        if not languages and not self.errors:
            raise forms.ValidationError(_("Write the article in at least one language: a title and a text."))
        return data

    def texts(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {language: (data[f"title_{language}"], data[f"body_{language}"]) for language in ("en", "id")}


class ArticleStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ArticleStatus.choices)


class VoteForm(forms.Form):
    helpful = forms.ChoiceField(label=_("Was this helpful?"), choices=Helpful.choices)


class ArticleSearchForm(forms.Form):
    """The public list's search and category filter (read from the query string)."""

    q = forms.CharField(label=_("Search the articles"), max_length=200, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True), required=False, empty_label=_("All")
    )


class ManageFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *ArticleStatus.choices], required=False)


class SuggestForm(forms.Form):
    """What the new-ticket form sends while the subject is typed."""

    subject = forms.CharField(max_length=200, required=False)
    visit = forms.CharField(max_length=64, required=False)


class PickerForm(forms.Form):
    q = forms.CharField(label=_("Find an article"), max_length=200, required=False)
