from datetime import UTC, datetime, timedelta
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, F, IntegerField, Max, OuterRef, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level
from accounts.selectors import agent_levels

from .choices import AGE_BUCKETS, OPEN_STATUSES, Channel, EventKind, Priority, Status
from .models import Category, Ticket, TicketEvent, TimeEntry, pk_from_reference
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


# The ticket list (every status) sorts as the queue does, and by when tickets were resolved.
LIST_SORTS: dict[str, tuple[Any, ...]] = {
    **QUEUE_SORTS,
    # Unresolved tickets last either way; the newest-first order reads its index forwards.
    "resolved": (F("resolved_at").asc(nulls_last=True), "id"),
    "-resolved": (F("resolved_at").desc(nulls_last=True), "-id"),
}
LIST_DEFAULT_SORT = "-updated"
LIST_PAGE_SIZES = (10, 25, 50, 100)
LIST_DATE_FILTERS = (
    "created_after",
    "created_before",
    "updated_after",
    "updated_before",
    "resolved_after",
    "resolved_before",
)
# Filters the drill-down links set that the filter form has no control for: carried as
# hidden fields and named above the list ("Also filtered by"), so a figure's list says
# what it counts.
LIST_LINKED_FILTERS = [
    "channel",
    "age",
    "created_within",
    "responded_after",
    "responded_before",
    "escalated_after",
    "escalated_to",
    "journey",
    "target",
    "worked_after",
    "worked_before",
    "worked_by",
]
# Filters read together by one method: each names one condition on the same row.
_ESCALATED = ("escalated_after", "escalated_to")
_WORKED = ("worked_after", "worked_before", "worked_by")

# The reports' escalation funnel, step by step (reports.selectors.figures.escalation_funnel
# counts the same sets): where a ticket started, where it was escalated to, whether it was
# sent back down, and whether Level I solved it without a move.
JOURNEYS = (
    ("started_1", _("Started at Level I")),
    ("started_2", _("Started at Level II")),
    ("started_3", _("Started at Level III")),
    ("escalated_2", _("Started at Level I, escalated to Level II")),
    ("escalated_3", _("Started at Level I, escalated to Level III")),
    ("sent_down", _("Sent back down")),
    ("resolved_from_1", _("Started at Level I and resolved")),
    ("solved_at_1", _("Solved at Level I, never escalated")),
)
# The reports' SLA compliance: met is done by the due time (or done before a due time was
# known), missed is done late or not done and past due; tickets not yet due are neither.
TARGETS = (
    ("first_response_met", _("First response met")),
    ("first_response_missed", _("First response missed")),
    ("resolution_met", _("Resolution met")),
    ("resolution_missed", _("Resolution missed")),
)
_TARGET_COLUMNS = {
    "first_response": ("first_response_at", "first_response_due_at"),
    "resolution": ("resolved_at", "resolution_due_at"),
}


class InstantField(forms.DateTimeField):
    """A date (the start of that day here) or an ISO 8601 instant (with its offset), as a
    filter bound. An instant outside the years 1 to 9999 in UTC is this field's error."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValidationError(_("Give a date and time between the years 1 and 9999."), code="invalid") from None


class InstantFilter(django_filters.DateTimeFilter):
    field_class = InstantField


class PersonField(forms.RegexField):
    """An assignee: ``me``, ``none`` (unassigned) or a person's id."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 19)
        super().__init__(
            regex=r"^(me|none|[1-9][0-9]{0,17})$",
            error_messages={"invalid": _("Choose an assignee: me, none, or a person's number.")},
            **kwargs,
        )


class PersonFilter(django_filters.CharFilter):
    field_class = PersonField


class NoneOrIdField(forms.RegexField):
    """``none`` or a row's id; ``invalid`` says what to give instead."""

    invalid = _("Give none or a number.")

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 19)
        super().__init__(regex=r"^(none|[1-9][0-9]{0,17})$", error_messages={"invalid": self.invalid}, **kwargs)


class CategoryListField(NoneOrIdField):
    invalid = _("Choose a category from the list.")


class CategoryListFilter(django_filters.CharFilter):
    field_class = CategoryListField


class DaysFilter(django_filters.NumberFilter):
    """A whole number of days."""

    field_class = forms.IntegerField


class TicketListFilter(django_filters.FilterSet):
    """The ticket list's filters (tickets over every status at the levels a person works).
    Each filter reads columns of the ticket itself, so no join repeats a row; saved views
    keep their query string as these filters read it (tickets.services.saved_view_save)."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=500)
    state = django_filters.ChoiceFilter(
        label=_("Open or done"),
        choices=[("open", _("Open")), ("done", _("Resolved or closed"))],
        empty_label=_("Any"),
        method="filter_state",
    )
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Status.choices, distinct=False)
    level = django_filters.MultipleChoiceFilter(label=_("Level"), choices=Level.choices, distinct=False)
    priority = django_filters.MultipleChoiceFilter(label=_("Priority"), choices=Priority.choices, distinct=False)
    channel = django_filters.MultipleChoiceFilter(label=_("Channel"), choices=Channel.choices, distinct=False)
    category = CategoryListFilter(label=_("Category"), method="filter_category")
    assignee = PersonFilter(label=_("Assignee"), method="filter_assignee")
    requester = django_filters.CharFilter(
        label=_("Requester (login name)"), field_name="requester__username", lookup_expr="iexact", max_length=150
    )
    created_after = InstantFilter(label=_("Created from"), field_name="created_at", lookup_expr="gte")
    created_before = InstantFilter(label=_("Created before"), field_name="created_at", lookup_expr="lt")
    updated_after = InstantFilter(label=_("Updated from"), field_name="updated_at", lookup_expr="gte")
    updated_before = InstantFilter(label=_("Updated before"), field_name="updated_at", lookup_expr="lt")
    resolved_after = InstantFilter(label=_("Resolved from"), field_name="resolved_at", lookup_expr="gte")
    resolved_before = InstantFilter(label=_("Resolved before"), field_name="resolved_at", lookup_expr="lt")
    responded_after = InstantFilter(label=_("First response from"), field_name="first_response_at", lookup_expr="gte")
    responded_before = InstantFilter(label=_("First response before"), field_name="first_response_at", lookup_expr="lt")
    escalated_after = InstantFilter(label=_("Escalated since"), method="filter_escalated")
    escalated_to = django_filters.ChoiceFilter(
        label=_("Escalated to"), choices=Level.choices, empty_label=_("Any level"), method="filter_escalated"
    )
    worked_after = InstantFilter(label=_("Time recorded from"), method="filter_worked")
    worked_before = InstantFilter(label=_("Time recorded before"), method="filter_worked")
    worked_by = django_filters.NumberFilter(
        label=_("Time recorded by (person no.)"), method="filter_worked", min_value=1, max_value=2**63 - 1
    )
    journey = django_filters.ChoiceFilter(
        label=_("Escalation path"), choices=JOURNEYS, empty_label=_("Any"), method="filter_journey"
    )
    target = django_filters.ChoiceFilter(
        label=_("SLA target"), choices=TARGETS, empty_label=_("Any"), method="filter_target"
    )
    created_within = DaysFilter(
        label=_("Created in the last (days)"), method="filter_created_within", min_value=1, max_value=3660
    )
    age = django_filters.ChoiceFilter(
        label=_("Open for (days)"),
        choices=[(name, name) for name, _low, _high in AGE_BUCKETS],
        empty_label=_("Any"),
        method="filter_age",
    )
    sla = django_filters.ChoiceFilter(
        label=_("SLA"),
        choices=[("at_risk", _("At risk")), ("breached", _("Breached (overdue)"))],
        empty_label=_("Any"),
        method="filter_sla",
    )
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue", widget=forms.CheckboxInput)

    class Meta:
        model = Ticket
        fields: list[str] = []

    def __init__(self, *args, user=None, now: datetime | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.now = now or timezone.now()
        if user is not None:
            # Only the levels the person works can be asked for (agent_levels).
            works = set(agent_levels(user))
            self.filters["level"].extra["choices"] = [(v, label) for v, label in Level.choices if v in works]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        pk = pk_from_reference(value)
        if pk is not None:
            return queryset.filter(pk=pk)
        return ticket_search(user=self.user, query=value, tickets=queryset)

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status__in=(Status.RESOLVED, Status.CLOSED))

    def filter_category(self, queryset, name, value):
        if value == "none":
            return queryset.filter(category__isnull=True)
        return queryset.filter(category_id=int(value))

    def filter_assignee(self, queryset, name, value):
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            return queryset.filter(assignee_id=self.user.pk if self.user is not None else None)
        return queryset.filter(assignee_id=int(value))

    def filter_created_within(self, queryset, name, value):
        """Filed in the last ``value`` days, counted back from now (a saved view stays current)."""
        return queryset.filter(created_at__gte=self.now - timedelta(days=int(value)))

    def filter_age(self, queryset, name, value):
        """Open tickets of that age now, as the reports' aging table counts them."""
        low, high = next((low, high) for bucket, low, high in AGE_BUCKETS if bucket == value)
        queryset = queryset.filter(status__in=OPEN_STATUSES, created_at__lte=self.now - timedelta(days=low))
        if high is not None:
            queryset = queryset.filter(created_at__gt=self.now - timedelta(days=high))
        return queryset

    def filter_sla(self, queryset, name, value):
        """Open tickets warned and not yet due (at risk), or past their due time (breached)."""
        warned = queryset.filter(status__in=OPEN_STATUSES, sla_warn_at__lte=self.now)
        if value == "breached":
            return warned.filter(sla_due_at__lte=self.now)
        return warned.filter(Q(sla_due_at__gt=self.now) | Q(sla_due_at__isnull=True))

    def _first_given(self, names: tuple[str, ...], name: str) -> bool:
        """Whether ``name`` is the first of ``names`` given: the one whose method applies them all."""
        data = self.form.cleaned_data
        return name == next(key for key in names if data.get(key) not in (None, ""))

    def filter_escalated(self, queryset, name, value):
        """Escalated since a time, to a level (both given: one escalation that did both),
        as the dashboard's "escalated in today" counts them."""
        data = self.form.cleaned_data
        if not self._first_given(_ESCALATED, name):
            return queryset
        moves = TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=EventKind.ESCALATED)
        if data.get("escalated_after") is not None:
            moves = moves.filter(created_at__gte=data["escalated_after"])
        if data.get("escalated_to"):
            moves = moves.filter(to_value=str(data["escalated_to"]))
        return queryset.filter(Exists(moves))

    def filter_worked(self, queryset, name, value):
        """Tickets with time recorded in a range (a timer when it stopped, typed time when
        typed), by one person when given: each condition on the same entry, as the
        reports' time spent counts its tickets."""
        data = self.form.cleaned_data
        if not self._first_given(_WORKED, name):
            return queryset
        entries = TimeEntry.objects.filter(ticket=OuterRef("pk"))
        if data.get("worked_after") is not None:
            entries = entries.filter(ended_at__gte=data["worked_after"])
        if data.get("worked_before") is not None:
            entries = entries.filter(ended_at__lt=data["worked_before"])
        if data.get("worked_by") is not None:
            entries = entries.filter(agent_id=int(data["worked_by"]))
        return queryset.filter(Exists(entries))

    def filter_journey(self, queryset, name, value):
        """A step of the escalation funnel, as the reports count it. A ticket's level
        changes only by an escalation or a sending back: one never moved started at its
        level now; a moved one at its level now, less its escalations, plus its sendings
        back. The moved tickets are read once, grouped, from the moves since the list's
        created-from (a ticket's events follow its creation)."""
        move_kinds = (EventKind.ESCALATED, EventKind.DE_ESCALATED)
        moves = TicketEvent.objects.filter(kind__in=move_kinds)
        if self.form.cleaned_data.get("created_after") is not None:
            moves = moves.filter(created_at__gte=self.form.cleaned_data["created_after"])

        def number(condition: Q) -> Sum:
            return Sum(Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField()))

        moved = (
            moves.values("ticket_id")
            .annotate(
                start=Max("ticket__level")
                - number(Q(kind=EventKind.ESCALATED))
                + number(Q(kind=EventKind.DE_ESCALATED)),
                downs=number(Q(kind=EventKind.DE_ESCALATED)),
                to_2=number(Q(kind=EventKind.ESCALATED, to_value=str(Level.II.value))),
                to_3=number(Q(kind=EventKind.ESCALATED, to_value=str(Level.III.value))),
            )
            .order_by()
        )
        never_moved = ~Q(pk__in=moves.values("ticket_id"))
        if value == "sent_down":
            return queryset.filter(pk__in=moved.filter(downs__gt=0).values("ticket_id"))
        if value == "solved_at_1":
            return queryset.filter(never_moved, level=Level.I, resolved_at__isnull=False)
        kind, _sep, level = value.rpartition("_")
        if kind == "escalated":
            return queryset.filter(pk__in=moved.filter(start=Level.I, **{f"to_{level}__gt": 0}).values("ticket_id"))
        started = int(level) if kind == "started" else Level.I
        queryset = queryset.filter(
            (never_moved & Q(level=started)) | Q(pk__in=moved.filter(start=started).values("ticket_id"))
        )
        return queryset.filter(resolved_at__isnull=False) if kind == "resolved_from" else queryset

    def filter_target(self, queryset, name, value):
        """Tickets that met or missed a target, as the reports' SLA compliance counts them."""
        metric, _sep, outcome = value.rpartition("_")
        done, due = _TARGET_COLUMNS[metric]
        is_done = Q(**{f"{done}__isnull": False})
        if outcome == "met":
            return queryset.filter(is_done & (Q(**{f"{due}__isnull": True}) | Q(**{f"{done}__lte": F(due)})))
        late = is_done & Q(**{f"{done}__gt": F(due)})
        return queryset.filter(late | Q(**{f"{done}__isnull": True, f"{due}__lt": self.now}))

    def filter_overdue(self, queryset, name, value):
        """Ticked: open tickets past their due time (the reports' breached); unticked: all."""
        return queryset.filter(status__in=OPEN_STATUSES, sla_due_at__lte=self.now) if value else queryset


def list_filter_add(name: str, list_filter: django_filters.Filter) -> None:
    """Where an app above ``tickets`` adds a filter to the ticket list (and so to its
    saved views and drill-down links) without ``tickets`` importing it; called from the
    app's ``AppConfig.ready()``. The filter is one the form has no control for: the list
    names it above the table and carries it as a hidden field. Adding a name again
    replaces the filter (a reloaded app adds it once)."""
    TicketListFilter.base_filters[name] = list_filter
    if name not in LIST_LINKED_FILTERS:
        LIST_LINKED_FILTERS.append(name)
