from typing import Any

import django_filters
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from .choices import OPEN_STATUSES, Priority, Status
from .models import Category, Ticket, pk_from_reference
from .search import ticket_search

QUEUE_SORTS: dict[str, tuple[Any, ...]] = {
    "due": (F("sla_due_at").asc(nulls_last=True), "priority", "id"),
    "-due": (F("sla_due_at").desc(nulls_last=True), "-priority", "-id"),
    "priority": ("priority", "created_at", "id"),
    "-priority": ("-priority", "-created_at", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}


class TicketQueueFilter(django_filters.FilterSet):
    """Filters an agent can apply on a queue page."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    priority = django_filters.ChoiceFilter(label=_("Priority"), choices=Priority.choices, empty_label=_("Any"))
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(s.value, s.label) for s in Status if s in OPEN_STATUSES],
        empty_label=_("Any open"),
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=Category.objects.all(), empty_label=_("Any")
    )

    class Meta:
        model = Ticket
        fields = ["q", "priority", "status", "category"]

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        pk = pk_from_reference(value)
        if pk is not None:
            return queryset.filter(pk=pk)
        # The words as the search page finds them (tickets.search); the queue keeps its sort.
        return ticket_search(user=self.user, query=value, tickets=queryset)
