import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from escalation.choices import Level

from ..choices import Channel, Priority, Status
from ..models import Ticket, pk_from_reference


class TicketApiFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    level = django_filters.MultipleChoiceFilter(choices=Level.choices)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices)
    assignee = django_filters.NumberFilter(field_name="assignee_id")
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    requester = django_filters.NumberFilter(field_name="requester_id")
    category = django_filters.NumberFilter(field_name="category_id")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")
    q = django_filters.CharFilter(
        method="filter_search", help_text=_("A reference (HD-000123) or words of the subject.")
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        pk = pk_from_reference(value)
        if pk is not None:
            return queryset.filter(pk=pk)
        return queryset.filter(Q(subject__icontains=value) | Q(description__icontains=value))
