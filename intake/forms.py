from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.choices import Channel, Impact, Urgency
from tickets.models import Category
from tickets.text import multi_line, single_line

# A pasted chat transcript may be long; a page of it more than this is not one chat.
TRANSCRIPT_TEXT = 100_000
LOGGED_CHANNELS = [(Channel.PHONE, _("Phone call")), (Channel.CHAT, _("Chat"))]


OUTSIDE = {"form": "log-form"}


class Action:
    NEW = "new"
    REPLY = "reply"
    NOTE = "note"


ACTIONS = [
    (Action.NEW, _("File a new ticket")),
    (Action.REPLY, _("Add to an open ticket, as the caller's reply")),
    (Action.NOTE, _("Add to an open ticket, as an internal note")),
]


class CallerSearchForm(forms.Form):
    """The lookup's query: a part of a name, an email address or a phone number."""

    q = forms.CharField(label=_("Find the caller"), required=False, max_length=100, strip=True)


class LogContactForm(forms.Form):
    """A phone call or a chat an agent logs for a caller: who (a caller found by the
    lookup, or a new one), and either a new ticket or words added to one of theirs."""

    channel = forms.ChoiceField(
        label=_("Channel"), choices=LOGGED_CHANNELS, initial=Channel.PHONE, widget=forms.RadioSelect
    )
    caller = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    # Shown next to the lookup, outside the form's element: tied to it by the form attribute.
    new_name = forms.CharField(
        label=_("Caller's name"), required=False, max_length=300, widget=forms.TextInput(OUTSIDE)
    )
    new_email = forms.CharField(
        label=_("Caller's email"), required=False, max_length=254, widget=forms.EmailInput(OUTSIDE)
    )
    new_phone = forms.CharField(
        label=_("Caller's phone"), required=False, max_length=32, widget=forms.TextInput(OUTSIDE)
    )
    action = forms.ChoiceField(label=_("Log it as"), choices=ACTIONS, initial=Action.NEW, widget=forms.RadioSelect)
    ticket = forms.CharField(
        label=_("Ticket"),
        required=False,
        max_length=20,
        help_text=_("One of the caller's open tickets, e.g. HD-000123."),
    )
    subject = forms.CharField(label=_("Subject"), required=False, max_length=200)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True), required=False, empty_label=_("Not sure")
    )
    impact = forms.ChoiceField(label=_("Who is affected?"), choices=Impact.choices, initial=Impact.LOW)
    urgency = forms.ChoiceField(label=_("How urgent is it?"), choices=Urgency.choices, initial=Urgency.MEDIUM)
    text = forms.CharField(
        label=_("What the caller said, or the chat transcript"),
        max_length=TRANSCRIPT_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def clean_subject(self) -> str:
        return single_line(self.cleaned_data["subject"])

    def clean_text(self) -> str:
        text = multi_line(self.cleaned_data["text"])
        if not text:
            raise forms.ValidationError(_("Write what the caller said."), code="required")
        return text

    def clean_ticket(self) -> str:
        return single_line(self.cleaned_data["ticket"]).upper()

    def clean(self):
        data = super().clean() or {}
        if data.get("caller") is None and not single_line(data.get("new_name", "")):
            self.add_error("caller", _("Choose the caller from the list, or give a new caller's name."))
        action = data.get("action")
        if action == Action.NEW and not data.get("subject"):
            self.add_error("subject", _("Write a short subject."))
        if action in (Action.REPLY, Action.NOTE):
            if data.get("caller") is None:
                self.add_error("caller", _("A new caller has no tickets yet: file a new ticket."))
            if not data.get("ticket"):
                self.add_error("ticket", _("Choose one of the caller's open tickets."))
        return data
