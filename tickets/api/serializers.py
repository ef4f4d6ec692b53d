from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.choices import Level
from accounts.selectors import agent_levels, person_by_identifier

from ..choices import Channel, Impact, LinkKind, Priority, Status, Urgency
from ..durations import minutes_as_text, minutes_from_text
from ..models import (
    REFERENCE_RE,
    REMINDER_NOTE_MAX,
    SAVED_VIEW_NAME_LENGTH,
    SAVED_VIEW_QUERY_LENGTH,
    TIME_ENTRY_MAX_MINUTES,
    Attachment,
    Category,
    Comment,
    SavedView,
    Ticket,
    TicketChecklistItem,
    TicketEvent,
    TicketReminder,
    TimeEntry,
    reference_for,
)
from ..services import bulk_actions
from ..services.bulk import bulk_max_tickets, bulk_references, bulk_too_many_message
from ..text import multi_line, single_line


def ticket_version(ticket: Ticket) -> str:
    """The ticket's version, as its ETag: it changes with every change to the ticket."""
    return f'"{ticket.reference}.{int(ticket.updated_at.timestamp() * 1_000_000)}"'


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, person) -> str:
        return str(person)


# Declared fields, as TicketSerializer's.
class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True, max_length=100)
    description = serializers.CharField(read_only=True)
    default_level = serializers.ChoiceField(choices=Level.choices, read_only=True)
    default_impact = serializers.ChoiceField(choices=Impact.choices, read_only=True)


def _moment(label, **kwargs) -> serializers.DateTimeField:
    return serializers.DateTimeField(label=label, read_only=True, **kwargs)


# A ticket as the API shows it. Its fields are declared rather than read from the model
# for every serializer made (as a ModelSerializer does), which was most of the cost of
# writing one out.
class TicketSerializer(serializers.Serializer):
    reference = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField(help_text=_("Send it back in If-Match to refuse lost updates."))
    subject = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    priority = serializers.ChoiceField(choices=Priority.choices, read_only=True)
    impact = serializers.ChoiceField(choices=Impact.choices, read_only=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, read_only=True)
    level = serializers.ChoiceField(label=_("Support level"), choices=Level.choices, read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    category = CategorySerializer(read_only=True, allow_null=True)
    requester = PersonSerializer(read_only=True)
    assignee = PersonSerializer(read_only=True, allow_null=True)
    created_at = _moment(_("Created"))
    updated_at = _moment(_("Updated"))
    first_response_at = _moment(_("First response"), allow_null=True)
    resolved_at = _moment(_("Resolved"), allow_null=True)
    closed_at = _moment(_("Closed"), allow_null=True)
    resolution = serializers.CharField(label=_("Resolution summary"), read_only=True)
    sla_due_at = _moment(_("Due"), allow_null=True)
    parent = serializers.SerializerMethodField(
        help_text=_("The reference of the ticket this one is part of (resolving that one resolves this one), or null.")
    )

    def get_parent(self, ticket: Ticket) -> str | None:
        return reference_for(ticket.parent_id) if ticket.parent_id else None

    merged_into = serializers.SerializerMethodField(
        help_text=_("The reference of the ticket this one was merged into (then it is closed), else null.")
    )

    def get_merged_into(self, ticket: Ticket) -> str | None:
        return reference_for(ticket.merged_into_id) if ticket.merged_into_id else None

    def get_url(self, ticket: Ticket) -> str:
        return f"/api/v1/tickets/{ticket.reference}/"

    def get_version(self, ticket: Ticket) -> str:
        return ticket_version(ticket)


class TicketCreateSerializer(serializers.Serializer):
    """A new ticket. Give it ``context={"request": request}``: only support staff may say
    the ticket came by another channel (a call they log, a mail they forward), and file it
    for another person (``requester``); a requester's ticket is always filed through the API, and another channel from them is
    refused as this field's error."""

    subject = serializers.CharField(
        max_length=200, help_text=_("One line; line breaks and other control characters become spaces.")
    )
    description = serializers.CharField(
        max_length=20000, help_text=_("Line breaks and tabs are kept; other control characters are dropped.")
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    impact = serializers.ChoiceField(choices=Impact.choices, required=False, allow_null=True)
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.filter(is_active=True), required=False, allow_null=True
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        default=Channel.API,
        help_text=_("Support staff only: how the ticket reached the helpdesk. Requesters may leave it out."),
    )
    requester = serializers.CharField(
        required=False,
        max_length=254,
        help_text=_(
            "Support staff only: the person the ticket is filed for, by id, login name or email address; "
            "the history shows who filed it for them. Left out: yourself."
        ),
    )

    # The service cleans the same way (tickets.text); cleaning here too makes a subject of
    # nothing but control characters this field's error.
    def validate_subject(self, value: str) -> str:
        subject = single_line(value)
        if not subject:
            raise serializers.ValidationError(_("Write a short subject."), code="blank")
        return subject

    def validate_description(self, value: str) -> str:
        description = multi_line(value)
        if not description:
            raise serializers.ValidationError(_("Describe the problem."), code="blank")
        return description

    def validate_requester(self, value: str):
        request = self.context.get("request")
        if not (request is not None and agent_levels(request.user)):
            raise serializers.ValidationError(
                _("Only support staff can file a ticket for someone else."), code="not_allowed"
            )
        person = person_by_identifier(value=value)
        if person is None:
            raise serializers.ValidationError(
                _("No one active has this id, login name or email address."), code="does_not_exist"
            )
        return person

    def validate_channel(self, value: str) -> str:
        request = self.context.get("request")
        if value != Channel.API and not (request is not None and agent_levels(request.user)):
            raise serializers.ValidationError(
                _("Only support staff can set the channel; a ticket you file here comes through the API."),
                code="not_allowed",
            )
        return value


class TicketUpdateSerializer(serializers.Serializer):
    """The fields staff may correct: impact, urgency and category on an open ticket (the
    priority follows impact and urgency); subject and description on any ticket not closed,
    the earlier text kept in the ticket's events (kind ``edited``)."""

    subject = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=20000, required=False)

    impact = serializers.ChoiceField(choices=Impact.choices, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.filter(is_active=True), required=False, allow_null=True
    )


class BulkSerializer(serializers.Serializer):
    """One action for many tickets: what each action needs beside the tickets. ``take``:
    nothing; ``assign``: ``assignee`` (an id, or null for nobody); ``priority``: ``impact``
    and ``urgency``; ``status``: ``status`` (and a ``reason`` if you like); ``escalate``
    and ``deescalate``: ``reason``; ``reply``: ``reply`` (a canned reply's id)."""

    tickets = serializers.ListField(
        child=serializers.RegexField(REFERENCE_RE, max_length=30),
        allow_empty=False,
        help_text=_("Ticket references (HD-000123); at most HELPDESK_BULK_MAX_TICKETS (500 by default)."),
    )
    action = serializers.ChoiceField(choices=[])
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    impact = serializers.ChoiceField(choices=Impact.choices, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in Status if s != Status.RESOLVED], required=False
    )
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    reply = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(action.name, action.label) for action in bulk_actions()]

    def validate_tickets(self, value: list[str]) -> list[str]:
        references = bulk_references(value)
        if len(references) > bulk_max_tickets():
            raise serializers.ValidationError(bulk_too_many_message(len(references)))
        return references

    def validate(self, attrs: dict) -> dict:
        action = next(action for action in bulk_actions() if action.name == attrs["action"])
        missing = {name: _("This action needs it.") for name in action.needs if name not in attrs}
        if "reason" in action.needs and not multi_line(attrs.get("reason", "")):
            missing["reason"] = _("Give one reason; every ticket gets it.")
        if missing:
            raise serializers.ValidationError(missing)
        params = {name: attrs[name] for name in action.needs}
        if action.name == "status":
            params["reason"] = attrs.get("reason", "")
        attrs["params"] = params
        return attrs


class BulkOutcomeSerializer(serializers.Serializer):
    ticket = serializers.CharField(help_text=_("The ticket's reference."))
    result = serializers.ChoiceField(choices=[("done", "done"), ("refused", "refused")])
    message = serializers.CharField(help_text=_("Why it was refused (empty when done)."))


class BulkResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    done = serializers.IntegerField()
    refused = serializers.IntegerField()
    results = BulkOutcomeSerializer(many=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=20000)


class ParentSerializer(serializers.Serializer):
    parent = serializers.CharField(max_length=40, help_text=_("The parent ticket's reference, e.g. HD-000123."))


class AssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True))


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in (Status.OPEN, Status.PENDING, Status.PENDING_THIRD_PARTY)]
    )
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class AwareDateTimeField(serializers.DateTimeField):
    """An instant with its UTC offset (``2026-12-08T08:00:00+07:00``): a time without one
    could be read in any time zone, so it is refused."""

    default_error_messages = {"naive": _("Give the time with its UTC offset, such as 2026-12-08T08:00:00+07:00.")}

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


class SnoozeSerializer(serializers.Serializer):
    until = AwareDateTimeField(help_text=_("When the ticket comes back to its queue: ahead of now, within a year."))


class SnoozeStateSerializer(serializers.Serializer):
    reference = serializers.CharField(read_only=True)
    snoozed_until = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("Empty when the ticket is not snoozed.")
    )


class ReminderSerializer(serializers.ModelSerializer):
    agent = PersonSerializer(read_only=True)

    class Meta:
        model = TicketReminder
        fields = ["id", "agent", "remind_at", "note", "created_at"]
        read_only_fields = fields


class ReminderCreateSerializer(serializers.Serializer):
    remind_at = AwareDateTimeField(help_text=_("When to remind you: ahead of now, within a year."))
    note = serializers.CharField(max_length=REMINDER_NOTE_MAX, required=False, allow_blank=True, default="")


class PrioritySerializer(serializers.Serializer):
    impact = serializers.ChoiceField(choices=Impact.choices)
    urgency = serializers.ChoiceField(choices=Urgency.choices)


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "created_at", "url"]
        read_only_fields = fields

    def get_url(self, attachment: Attachment) -> str:
        return f"/api/v1/attachments/{attachment.pk}/"


class CommentSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "is_internal", "created_at", "attachments"]
        read_only_fields = fields


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20000)
    internal = serializers.BooleanField(default=False)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=10)


class AttachmentCreateSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), min_length=1, max_length=10)


class EventSerializer(serializers.ModelSerializer):
    actor = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "field", "from_value", "to_value", "reason", "created_at"]
        read_only_fields = fields


class SlaLineSerializer(serializers.Serializer):
    metric = serializers.CharField()
    label = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    state = serializers.CharField()


class SlaSerializer(serializers.Serializer):
    policy = serializers.CharField(allow_null=True)
    running = serializers.BooleanField()
    due_at = serializers.DateTimeField(allow_null=True)
    lines = SlaLineSerializer(many=True)


class ChecklistItemSerializer(serializers.ModelSerializer):
    done_by = PersonSerializer(read_only=True, allow_null=True)
    state = serializers.SerializerMethodField()

    class Meta:
        model = TicketChecklistItem
        fields = ["id", "position", "text", "state", "done_at", "done_by", "skipped_reason"]
        read_only_fields = fields

    def get_state(self, item) -> str:
        return "done" if item.done_at else ("skipped" if item.skipped_reason else "open")


class ChecklistChangeSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["done", "undone", "skip"])
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class TimeEntrySerializer(serializers.ModelSerializer):
    agent = PersonSerializer(read_only=True)
    duration = serializers.SerializerMethodField(help_text=_("The minutes as hours:minutes (90 is 1:30)."))
    comment = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("The reply or internal note the time was recorded with.")
    )
    timer = serializers.SerializerMethodField(help_text=_("Whether a timer measured the time."))

    class Meta:
        model = TimeEntry
        fields = ["id", "agent", "minutes", "duration", "timer", "comment", "started_at", "ended_at"]
        read_only_fields = fields

    def get_duration(self, entry: TimeEntry) -> str:
        return minutes_as_text(entry.minutes)

    def get_timer(self, entry: TimeEntry) -> bool:
        return entry.started_at is not None


class TimeEntryCreateSerializer(serializers.Serializer):
    """The time spent: ``minutes`` as a number, or ``duration`` as people type it."""

    minutes = serializers.IntegerField(required=False, min_value=1, max_value=TIME_ENTRY_MAX_MINUTES)
    duration = serializers.CharField(
        required=False,
        max_length=30,
        help_text=_("Minutes, or hours and minutes: 90, 1:30 or 1h 30m."),
    )

    def validate(self, data: dict) -> dict:
        if ("minutes" in data) == ("duration" in data):
            raise serializers.ValidationError(_("Give either minutes or a duration."))
        if "duration" in data:
            try:
                minutes = minutes_from_text(single_line(data["duration"]))
            except ValueError:
                raise serializers.ValidationError(
                    {"duration": [_("Give the time spent in minutes, for example 90, 1:30 or 1h 30m.")]}
                ) from None
            if not 1 <= minutes <= TIME_ENTRY_MAX_MINUTES:
                raise serializers.ValidationError(
                    {
                        "duration": [
                            _("The time spent is from 1 minute to %(hours)d hours.")
                            % {"hours": TIME_ENTRY_MAX_MINUTES // 60}
                        ]
                    }
                )
            data["minutes"] = minutes
        return data


class TimerActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[("start", _("Start")), ("stop", _("Stop")), ("discard", _("Discard"))],
        help_text=_("start the timer, stop it (its time is recorded) or discard it (nothing is recorded)."),
    )


class TimerSerializer(serializers.Serializer):
    running = serializers.BooleanField(help_text=_("Whether your timer on the ticket runs now."))
    started_at = serializers.DateTimeField(allow_null=True)
    recorded = TimeEntrySerializer(allow_null=True, help_text=_("The entry the timer just recorded (on stop)."))


class WatcherSerializer(serializers.Serializer):
    """Someone who follows the ticket (their name, never their address)."""

    user = PersonSerializer(read_only=True)
    created_at = _moment(_("Following since"))


class WatcherAddSerializer(serializers.Serializer):
    email = serializers.CharField(
        required=False,
        max_length=254,
        help_text=_(
            "The exact email address of the colleague to copy in (the requester, or staff at the ticket's "
            "level). Leave it out to follow the ticket yourself (support staff of any level)."
        ),
    )


class LinkSerializer(serializers.Serializer):
    """A link as read from this ticket: how the other ticket stands to it."""

    id = serializers.IntegerField(read_only=True)
    relation = serializers.CharField(
        read_only=True, help_text=_("Related to, Duplicate of / Duplicated by, Caused by / Causes.")
    )
    kind = serializers.ChoiceField(choices=LinkKind.choices, read_only=True)
    direction = serializers.ChoiceField(
        choices=[("outgoing", _("This ticket names the other")), ("incoming", _("The other ticket names this one"))],
        read_only=True,
    )
    ticket = serializers.CharField(read_only=True, help_text=_("The other ticket's reference."))
    subject = serializers.CharField(read_only=True)


class LinkAddSerializer(serializers.Serializer):
    to = serializers.CharField(max_length=40, help_text=_("The other ticket's reference, e.g. HD-000123."))
    kind = serializers.ChoiceField(choices=LinkKind.choices, default=LinkKind.RELATED)


class MergeSerializer(serializers.Serializer):
    into = serializers.CharField(max_length=40, help_text=_("The reference of the ticket to merge this one into."))


class SavedViewSerializer(serializers.ModelSerializer):
    owner = PersonSerializer(read_only=True)
    query = serializers.CharField(
        read_only=True,
        help_text=_("The ticket list's filters as a query string; the same names filter /api/v1/tickets/."),
    )
    shared = serializers.BooleanField(source="is_shared", read_only=True)
    url = serializers.SerializerMethodField(help_text=_("The ticket list page with this view's filters."))

    class Meta:
        model = SavedView
        fields = ["id", "name", "query", "shared", "owner", "url", "created_at", "updated_at"]
        read_only_fields = fields

    def get_url(self, view: SavedView) -> str:
        return view.get_absolute_url()


class SavedViewCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=SAVED_VIEW_NAME_LENGTH)
    query = serializers.CharField(
        max_length=SAVED_VIEW_QUERY_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The filters as a query string, e.g. status=pending&assignee=me; unknown names are dropped."),
    )
    shared = serializers.BooleanField(required=False, default=False)
