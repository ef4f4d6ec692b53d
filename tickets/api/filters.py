from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from accounts.choices import Level

from ..choices import OPEN_STATUSES, Channel, Priority, Status
from ..models import Ticket, pk_from_reference
from ..search import ticket_search


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant, compared in UTC. ISO 8601 allows UTC offsets that PostgreSQL
    refuses (beyond ±15:59), and an instant near year 1 or 9999 may not exist in UTC."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValidationError(_("Give a date and time between the years 1 and 9999."), code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


# Ids are positive 64-bit integers; SQLite cannot even compare with a larger one.
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A row's id: a whole number in the range ids take (django-filter's NumberFilter
    takes decimals, and its schema says "number", which generated clients type as float)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class TicketApiFilter(django_filters.FilterSet):
    # Columns of the ticket itself, so no join can repeat a row: without distinct=False
    # (django-filter's default for multiple choices) the page query becomes a SELECT
    # DISTINCT that sorts every matching ticket instead of reading the first few off an index.
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    level = django_filters.MultipleChoiceFilter(choices=Level.choices, distinct=False)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, distinct=False)
    assignee = IdFilter(field_name="assignee_id")
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    requester = IdFilter(field_name="requester_id")
    category = IdFilter(field_name="category_id")
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")
    resolved_after = UtcIsoDateTimeFilter(field_name="resolved_at", lookup_expr="gte")
    resolved_before = UtcIsoDateTimeFilter(field_name="resolved_at", lookup_expr="lt")
    state = django_filters.ChoiceFilter(
        choices=[("open", _("Open")), ("done", _("Resolved or closed"))],
        method="filter_state",
        help_text=_("open: any open status; done: resolved or closed. Left out: every status."),
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", help_text=_("true: open tickets past their due time.")
    )
    q = django_filters.CharFilter(
        method="filter_search",
        help_text=_(
            "A reference (HD-000123), or words to search the subject, description and replies for"
            " (internal notes too, for support staff); results come best match first."
        ),
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status__in=(Status.RESOLVED, Status.CLOSED))

    def filter_overdue(self, queryset, name, value):
        if value:
            return queryset.filter(status__in=OPEN_STATUSES, sla_due_at__lte=timezone.now())
        return queryset

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        pk = pk_from_reference(value)
        if pk is not None:
            return queryset.filter(pk=pk)
        # The search page's selector: the same matches, ranked the same way.
        return ticket_search(user=self.request.user, query=value, tickets=queryset)
