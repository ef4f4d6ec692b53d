from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .choices import (
    Impact,
    LinkKind,
    SnoozeChoice,
    Status,
    Urgency,
)
from .durations import (
    minutes_from_text,
)
from .exceptions import (
    TicketError,
)
from .extensions import (
    new_ticket_extra_fields,
)
from .models import (
    REFERENCE_RE,
    REMINDER_NOTE_MAX,
    SAVED_VIEW_NAME_LENGTH,
    SAVED_VIEW_QUERY_LENGTH,
    Category,
)
from .services import (
    MANUAL_TRANSITIONS,
    bulk_actions,
)
from .services.bulk import (
    bulk_max_tickets,
    bulk_references,
    bulk_too_many_message,
)
from .services.files import (
    attachments_over_limits,
)
from .services.time import minutes_checked
from .text import multi_line, single_line
from .validators import attachment_name_clean, validate_attachment

# The longest texts the pages take, as the API (tickets/api/serializers.py): a reply,
# description or resolution, and a reason.
LONG_TEXT = 20000
REASON_TEXT = 5000


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that takes several files at once."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files sent under one name, each checked with the attachment validators
    (type, size, name), then together against the count and total size limits
    (HELPDESK_ATTACHMENT_MAX_FILES, HELPDESK_ATTACHMENT_MAX_TOTAL_BYTES). A refused file
    is named in the message. Cleans to a list (empty when nothing was sent)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("validators", [validate_attachment])
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not uploads:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        cleaned = []
        for upload in uploads:
            try:
                cleaned.append(super().clean(upload, initial))
            except forms.ValidationError as error:
                name = attachment_name_clean(getattr(upload, "name", "")) or "?"
                raise forms.ValidationError(
                    [message if name in message else f"“{name}”: {message}" for message in error.messages]
                ) from None
        limits_error = attachments_over_limits(cleaned)
        if limits_error:
            raise forms.ValidationError(limits_error, code="attachment_limits")
        return cleaned


class _SubjectAndDescription:
    """Cleans a ticket's subject and description as the service does (tickets.text):
    a subject of nothing but control characters is this field's error, not a blank ticket."""

    cleaned_data: dict

    def clean_subject(self) -> str:
        subject = single_line(self.cleaned_data["subject"])
        if not subject:
            raise forms.ValidationError(_("Write a short subject."), code="required")
        return subject

    def clean_description(self) -> str:
        description = multi_line(self.cleaned_data["description"])
        if not description:
            raise forms.ValidationError(_("Describe the problem."), code="required")
        return description


class TicketCreateForm(_SubjectAndDescription, forms.Form):
    subject = forms.CharField(
        label=_("Subject"), max_length=200, help_text=_("One line: what is wrong, e.g. “Cannot print on floor 3”.")
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label=_("I am not sure"),
    )
    impact = forms.ChoiceField(label=_("Who is affected?"), choices=Impact.choices, initial=Impact.LOW)
    urgency = forms.ChoiceField(label=_("How urgent is it?"), choices=Urgency.choices, initial=Urgency.MEDIUM)
    description = forms.CharField(
        label=_("Description"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, what you expected, and any error message, step by step."),
    )
    attachment = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Optional: screenshots or log files; you may choose several."),
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Fields the apps above tickets add for this person (tickets.extensions).
        self.extra_names = []
        if user is not None and user.is_authenticated:
            for name, field in new_ticket_extra_fields(user).items():
                self.fields[name] = field
                self.extra_names.append(name)
        self.helper = FormHelper()
        self.helper.form_tag = True
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.layout = Layout(
            "subject",
            Div(
                Div("category", css_class="col-md-4"),
                Div("impact", css_class="col-md-4"),
                Div("urgency", css_class="col-md-4"),
                css_class="row",
            ),
            *self.extra_names,
            "description",
            "attachment",
            Submit("submit", _("File ticket")),
        )

    def extra_data(self) -> dict:
        """The cleaned values of the extension fields, for ticket_create's ``extra``."""
        return {name: self.cleaned_data.get(name) for name in self.extra_names}


class TextField(forms.CharField):
    """Free text of an action (a reply, a reason, a resolution), cleaned as the services
    clean it (tickets.text.multi_line), so text of nothing but control characters is this
    field's error rather than the action's refusal."""

    def to_python(self, value):
        return multi_line(super().to_python(value))


class TimeSpentField(forms.CharField):
    """Time spent as people type it (tickets.durations): ``90``, ``1:30``, ``1h 30m``;
    cleaned to whole minutes, or None when left empty."""

    longest = 30

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs["maxlength"] = str(self.longest)

    def to_python(self, value):
        text = single_line(super().to_python(value))
        if not text:
            return None
        try:
            if len(text) > self.longest:
                raise ValueError(text)
            minutes = minutes_from_text(text)
        except ValueError:
            raise forms.ValidationError(
                _("Give the time spent in minutes, for example 90, 1:30 or 1h 30m."), code="invalid"
            ) from None
        try:
            return minutes_checked(minutes)
        except TicketError as exc:
            raise forms.ValidationError(exc.message, code="out_of_range") from None


class ActionSubmit(Submit):
    """A submit button whose colour is chosen per form (Submit always adds btn-primary)."""

    field_classes = "btn"


class _ActionForm(forms.Form):
    """A small form posted to one ticket action; its helper knows the target URL.

    Several of these share one page, so element ids are prefixed with the action's name
    (labels must point at their own form's field)."""

    submit_label = _("Save")
    url_name = ""
    button_class = "btn-primary"

    def __init__(self, *args, ticket=None, **kwargs) -> None:
        action = self.url_name.split(":")[-1]
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        if ticket is not None:
            self.helper.form_action = reverse(self.url_name, kwargs={"reference": ticket.reference})
        self.helper.form_id = f"form-{action}"
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.add_input(
            ActionSubmit("submit", self.submit_label, css_class=self.button_class, css_id=f"form-{action}-submit")
        )


class CommentForm(_ActionForm):
    url_name = "tickets:comment"
    submit_label = _("Send")
    body = TextField(label=_("Message"), max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 4}))
    internal = forms.BooleanField(label=_("Internal note (only support staff will see it)"), required=False)
    attachment = MultipleFileField(label=_("Attachments"), required=False)
    time_spent = TimeSpentField(
        label=_("Time spent (optional)"),
        help_text=_("Minutes, or hours and minutes: 90, 1:30 or 1h 30m. Only support staff see it."),
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off", "placeholder": "1h 30m"}),
    )
    # Changes a canned reply makes when it is sent (static/js/canned-replies.js fills them
    # in, and shows them beside the reply box); the services check them as any change.
    then_status = forms.ChoiceField(
        choices=[("", ""), (Status.OPEN.value, Status.OPEN.label), (Status.PENDING.value, Status.PENDING.label)],
        required=False,
        widget=forms.HiddenInput,
    )
    then_impact = forms.ChoiceField(choices=[("", ""), *Impact.choices], required=False, widget=forms.HiddenInput)
    then_urgency = forms.ChoiceField(choices=[("", ""), *Urgency.choices], required=False, widget=forms.HiddenInput)

    def __init__(self, *args, staff: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not staff:
            for name in ("internal", "time_spent", "then_status", "then_impact", "then_urgency"):
                del self.fields[name]


class EscalateForm(_ActionForm):
    url_name = "tickets:escalate"
    submit_label = _("Escalate")
    button_class = "btn-warning"
    reason = TextField(
        label=_("Reason for escalation"),
        max_length=REASON_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you found and tried, so the next level can start where you stopped."),
    )


class DeescalateForm(_ActionForm):
    url_name = "tickets:deescalate"
    submit_label = _("Send back down")
    button_class = "btn-outline-secondary"
    reason = TextField(
        label=_("Reason for sending it back"), max_length=REASON_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(_ActionForm):
    url_name = "tickets:resolve"
    submit_label = _("Resolve")
    button_class = "btn-success"
    resolution = TextField(
        label=_("Resolution summary"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("In plain language: what was wrong and what you did. The requester will read this."),
    )


class ParentForm(_ActionForm):
    url_name = "tickets:parent"
    submit_label = _("Set parent")
    button_class = "btn-outline-primary"
    parent = forms.CharField(
        label=_("Parent ticket"),
        max_length=40,
        help_text=_("The reference of the ticket this one is part of, e.g. HD-000123. Resolving it resolves this one."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "HD-000123"}),
    )

    def clean_parent(self) -> str:
        return single_line(self.cleaned_data["parent"])


class ParentClearForm(_ActionForm):
    url_name = "tickets:parent-clear"
    submit_label = _("Remove the parent")
    button_class = "btn-outline-secondary btn-sm"


class StatusForm(_ActionForm):
    url_name = "tickets:status"
    submit_label = _("Change status")
    button_class = "btn-outline-primary"
    status = forms.ChoiceField(label=_("New status"), choices=[(s.value, s.label) for s in Status])
    reason = TextField(label=_("Note (optional)"), max_length=REASON_TEXT, required=False)

    def __init__(self, *args, ticket=None, **kwargs) -> None:
        super().__init__(*args, ticket=ticket, **kwargs)
        if ticket is not None:
            # Offer only the moves the ticket can make from where it is.
            allowed = MANUAL_TRANSITIONS[ticket.status]
            self.fields["status"].choices = [(s.value, s.label) for s in Status if s in allowed]


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class SnoozeForm(_ActionForm):
    """Snooze until a quick choice or a date and time of the agent's own (read in their
    time zone); the service refuses a time gone by."""

    url_name = "tickets:snooze"
    submit_label = _("Snooze")
    button_class = "btn-outline-secondary"
    choice = forms.ChoiceField(label=_("Snooze until"), choices=SnoozeChoice.choices, initial=SnoozeChoice.HOUR)
    at = forms.DateTimeField(
        label=_("Date and time"),
        required=False,
        widget=_DateTimeInput(),
        help_text=_("Only for “At a date and time”; in your time zone."),
    )

    def clean(self):
        data = super().clean()
        if data.get("choice") == SnoozeChoice.AT and not data.get("at"):
            self.add_error("at", _("Give the date and time the ticket comes back."))
        return data


class UnsnoozeForm(_ActionForm):
    url_name = "tickets:unsnooze"
    submit_label = _("Wake up now")
    button_class = "btn-outline-secondary"


class ReminderForm(_ActionForm):
    url_name = "tickets:remind"
    submit_label = _("Remind me")
    button_class = "btn-outline-secondary"
    remind_at = forms.DateTimeField(label=_("Remind me at"), widget=_DateTimeInput(), help_text=_("In your time zone."))
    note = TextField(label=_("Note (optional)"), max_length=REMINDER_NOTE_MAX, required=False)


class AssignForm(_ActionForm):
    url_name = "tickets:assign"
    submit_label = _("Assign")
    button_class = "btn-outline-primary"
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=None, required=False, empty_label=_("Nobody"))

    def __init__(self, *args, agents=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = agents


class ReclassifyForm(_ActionForm):
    url_name = "tickets:reclassify"
    submit_label = _("Update")
    button_class = "btn-outline-primary"
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False)
    impact = forms.ChoiceField(label=_("Impact"), choices=Impact.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)


class EditForm(_SubjectAndDescription, _ActionForm):
    """Staff correct the ticket's subject or description (tickets.services.ticket_edit);
    the earlier text stays in the ticket's history."""

    url_name = "tickets:edit"
    submit_label = _("Save the correction")
    button_class = "btn-outline-primary"
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 6})
    )


class ReopenForm(_ActionForm):
    url_name = "tickets:reopen"
    submit_label = _("Reopen")
    button_class = "btn-outline-danger"
    reason = TextField(
        label=_("What is still wrong?"), max_length=REASON_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConfirmForm(_ActionForm):
    url_name = "tickets:confirm"
    submit_label = _("Yes, it is fixed")
    button_class = "btn-success"


class TimerForm(forms.Form):
    """Start, stop or discard one's own timer on a ticket (the ticket page's time panel)."""

    action = forms.ChoiceField(
        label=_("Timer"), choices=[("start", _("Start")), ("stop", _("Stop")), ("discard", _("Discard"))]
    )


class ChecklistItemForm(forms.Form):
    """Tick, untick or skip one checklist step (a skip needs its reason). Posted from the
    checklist panel, one small form per step."""

    action = forms.ChoiceField(
        label=_("Step"), choices=[("done", _("Done")), ("undone", _("Not done")), ("skip", _("Skip"))]
    )
    reason = forms.CharField(label=_("Reason for skipping"), max_length=500, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_reason(self) -> str:
        return single_line(self.cleaned_data["reason"])

    def clean(self):
        data = super().clean()
        if data.get("action") == "skip" and not data.get("reason"):
            raise forms.ValidationError(_("Say why the step is skipped."), code="required")
        return data


class ReferencesField(forms.Field):
    """Ticket references (HD-000123) posted as repeated values: each once, in order."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            raise forms.ValidationError(_("Choose tickets from the list."), code="invalid")
        references = bulk_references([str(item)[:50] for item in value])
        wrong = [reference for reference in references if not REFERENCE_RE.fullmatch(reference)]
        if wrong:
            raise forms.ValidationError(
                _("“%(value)s” is not a ticket number (like HD-000123)."),
                code="invalid",
                params={"value": single_line(wrong[0])[:30]},
            )
        return references


class BulkForm(forms.Form):
    """One action for many tickets (tickets.services.bulk): the tickets ticked, or every
    ticket of the page, and what the action needs. Any list of tickets may post it (the
    queue does): its checkboxes are named ``tickets`` and belong to ``form="bulk-form"``."""

    tickets = ReferencesField(label=_("Tickets"), required=False)
    page_tickets = ReferencesField(required=False)
    all_on_page = forms.BooleanField(label=_("Select all on this page"), required=False)
    # The All tickets list: every ticket its filters find (``matching``: its query string).
    all_matching = forms.BooleanField(label=_("Select every ticket that matches"), required=False)
    matching = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)
    action = forms.ChoiceField(label=_("Action"), choices=())
    assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, required=False, empty_label=_("No one (unassign)")
    )
    impact = forms.ChoiceField(label=_("Impact"), choices=[("", "—"), *Impact.choices], required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=[("", "—"), *Urgency.choices], required=False)
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[("", "—"), *((s.value, s.label) for s in Status if s != Status.RESOLVED)],
        required=False,
    )
    reason = TextField(
        label=_("Reason (one for every ticket)"),
        max_length=REASON_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reply = forms.TypedChoiceField(label=_("Canned reply"), coerce=int, choices=(), required=False)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, agents=None, matching=None, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_bulk_%s")
        super().__init__(*args, **kwargs)
        # ``matching(query, limit)``: the references the list finds and how many in all
        # (tickets.selectors.ticket_list_matching), or None when its filters do not parse.
        self.matching = matching
        self.actions = {action.name: action for action in bulk_actions()}
        self.fields["action"].choices = [("", "—"), *((a.name, a.label) for a in self.actions.values())]
        self.fields["assignee"].queryset = agents

        def options() -> list:
            # Read only when the field is drawn or checked, not for every page that has the bar.
            found: list = [("", "—")]
            for action in self.actions.values():
                if action.options is not None and user is not None:
                    found += action.options(user)
            return found

        self.fields["reply"].choices = options
        for name in ("assignee", "impact", "urgency", "status", "reply"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["reason"].widget.attrs["class"] = "form-control form-control-sm"

    def clean(self):
        data = super().clean()
        references = list(data.get("tickets") or [])
        if data.get("all_on_page"):
            references = bulk_references([*references, *(data.get("page_tickets") or [])])
        if data.get("all_matching"):
            found = self.matching(data.get("matching") or "", bulk_max_tickets() + 1) if self.matching else None
            if found is None:
                raise forms.ValidationError(
                    _("The list's filters could not be read; tick the tickets instead."), code="matching"
                )
            matched, count = found
            if count > bulk_max_tickets():
                raise forms.ValidationError(bulk_too_many_message(count), code="too_many")
            references = bulk_references([*references, *matched])
        if not references:
            raise forms.ValidationError(_("Choose at least one ticket."), code="required")
        if len(references) > bulk_max_tickets():
            raise forms.ValidationError(bulk_too_many_message(len(references)), code="too_many")
        data["references"] = references
        action = self.actions.get(data.get("action") or "")
        if action is None:
            return data
        params: dict = {}
        messages = {
            "impact": _("Choose an impact."),
            "urgency": _("Choose an urgency."),
            "status": _("Choose a status."),
            "reason": _("Give one reason; every ticket gets it."),
            "reply": _("Choose a canned reply."),
        }
        for name in action.needs:
            value = data.get(name)
            if name != "assignee" and value in (None, ""):
                self.add_error(name, messages.get(name, _("This field is required.")))
            params[name] = value
        if action.name == "status":
            params["reason"] = data.get("reason") or ""
        data["params"] = params
        return data


class WatcherAddForm(_ActionForm):
    """Copy a colleague in by their exact email address (no directory is shown)."""

    url_name = "tickets:watcher-add"
    submit_label = _("Copy in")
    button_class = "btn-outline-primary"
    email = forms.CharField(
        label=_("Colleague's email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("They can read this ticket, reply to it and hear of its progress."),
    )

    def clean_email(self) -> str:
        email = single_line(self.cleaned_data["email"])
        if not email:
            raise forms.ValidationError(_("Give your colleague's email address."), code="required")
        return email


class LinkAddForm(_ActionForm):
    url_name = "tickets:link-add"
    submit_label = _("Link")
    button_class = "btn-outline-primary"
    kind = forms.ChoiceField(label=_("This ticket is"), choices=LinkKind.choices, initial=LinkKind.RELATED)
    reference = forms.CharField(
        label=_("Ticket"), max_length=40, widget=forms.TextInput(attrs={"placeholder": "HD-000123"})
    )

    def clean_reference(self) -> str:
        return single_line(self.cleaned_data["reference"])


class MergeForm(_ActionForm):
    url_name = "tickets:merge"
    submit_label = _("Merge")
    button_class = "btn-outline-danger"
    into = forms.CharField(
        label=_("Merge this ticket into"),
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "HD-000123"}),
        help_text=_(
            "Its conversation, files, time, checklist and watchers move there; its requester follows that "
            "ticket, and this one is closed."
        ),
    )

    def clean_into(self) -> str:
        return single_line(self.cleaned_data["into"])


class SavedViewForm(forms.Form):
    """Save the ticket list's current filters under a name (``query`` is the list's query
    string; tickets.services.saved_view_save keeps only what its filters know)."""

    name = forms.CharField(label=_("Name of the view"), max_length=SAVED_VIEW_NAME_LENGTH)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=SAVED_VIEW_QUERY_LENGTH * 4)
    shared = forms.BooleanField(label=_("Share with all staff"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_name(self) -> str:
        name = single_line(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Give the view a name."), code="required")
        return name
