from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..choices import Channel, Impact, Status, Urgency
from ..models import Attachment, Category, Comment, Ticket, TicketEvent


def ticket_version(ticket: Ticket) -> str:
    """The ticket's version, as its ETag: it changes with every change to the ticket."""
    return f'"{ticket.reference}.{int(ticket.updated_at.timestamp() * 1_000_000)}"'


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, person) -> str:
        return str(person)


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "description", "default_level", "default_impact"]


class TicketSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField(help_text=_("Send it back in If-Match to refuse lost updates."))
    requester = PersonSerializer(read_only=True)
    assignee = PersonSerializer(read_only=True, allow_null=True)
    category = CategorySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Ticket
        fields = [
            "reference",
            "url",
            "version",
            "subject",
            "description",
            "status",
            "priority",
            "impact",
            "urgency",
            "level",
            "channel",
            "category",
            "requester",
            "assignee",
            "created_at",
            "updated_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "resolution",
            "sla_due_at",
        ]
        read_only_fields = fields

    def get_url(self, ticket: Ticket) -> str:
        return f"/api/v1/tickets/{ticket.reference}/"

    def get_version(self, ticket: Ticket) -> str:
        return ticket_version(ticket)


class TicketCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    impact = serializers.ChoiceField(choices=Impact.choices, required=False, allow_null=True)
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.filter(is_active=True), required=False, allow_null=True
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)


class TicketUpdateSerializer(serializers.Serializer):
    """The fields staff may correct on an open ticket (the priority follows impact and urgency)."""

    impact = serializers.ChoiceField(choices=Impact.choices, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.filter(is_active=True), required=False, allow_null=True
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=20000)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True))


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[(s.value, s.label) for s in (Status.OPEN, Status.PENDING)])
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


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
