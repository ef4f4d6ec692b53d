"""Reads of the tickets app: who may see what, queues, timelines and the dashboard."""

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from accounts.choices import Level
from accounts.selectors import agent_can_act_at, agent_levels
from sla.selectors import sla_events_of, sla_policy_for

from .choices import (
    INTERNAL_EVENT_KINDS,
    LINK_REVERSE_LABELS,
    OPEN_STATUSES,
    PENDING_STATUSES,
    EventKind,
    LinkKind,
    Priority,
    QueueView,
    Status,
)
from .filters import (
    LIST_DEFAULT_SORT,
    LIST_SORTS,
    QUEUE_SORTS,
    TicketListFilter,
    TicketQueueFilter,
)
from .models import (
    Attachment,
    Category,
    Comment,
    SavedView,
    Ticket,
    TicketChecklistItem,
    TicketEvent,
    TicketLink,
    TicketReminder,
    TicketWatcher,
    TimeEntry,
    pk_from_reference,
    reference_for,
)
from .services.sla import clock_running_statuses


def ticket_get_for_user(*, user, reference: str, write: bool = False) -> Ticket:
    """The one access rule for ticket pages: requesters see only their own tickets and
    the ones they were copied in on (anything else is a 404, so references cannot be
    probed); staff see every ticket but act only at their levels and below (403 when
    ``write`` is asked above them)."""
    pk = pk_from_reference(reference)
    if pk is None:
        raise Http404
    ticket = (
        Ticket.objects.select_related("requester", "assignee", "category", "merged_into")
        .annotate(watched=Exists(TicketWatcher.objects.filter(ticket=OuterRef("pk"), user_id=user.pk)))
        .filter(pk=pk)
        .first()
    )
    if ticket is None:
        raise Http404
    staff = bool(agent_levels(user))
    if not staff:
        if ticket.requester_id != user.pk and not ticket.watched:
            raise Http404
        return ticket
    if write and not agent_can_act_at(user, ticket.level) and ticket.requester_id != user.pk:
        raise PermissionDenied
    return ticket


# What the API shows of a ticket (tickets/api/serializers.py), with its people and category:
# the rest of the row (the SLA thresholds, the people's passwords and dates) is not read.
API_TICKET_FIELDS = (
    *(
        "subject description status priority impact urgency level channel resolution created_at updated_at"
        " first_response_at resolved_at closed_at sla_due_at parent merged_into"
    ).split(),
    *(
        f"{person}__{field}"
        for person in ("requester", "assignee")
        for field in ("username", "first_name", "last_name")
    ),
    *(f"category__{field}" for field in ("name", "description", "default_level", "default_impact")),
)


def ticket_list_for_api(*, user) -> QuerySet[Ticket]:
    """The tickets a caller of the API may list: a requester their own, support staff every one."""
    tickets = Ticket.objects.select_related("requester", "assignee", "category").only(*API_TICKET_FIELDS)
    if not agent_levels(user):
        tickets = tickets.filter(requester=user)
    return tickets


# "My tickets": what each of its tabs shows of a requester's tickets ("open" is open with
# us; "waiting" is waiting on them).
REQUESTER_STATES = {
    "open": (Status.NEW, Status.OPEN, Status.PENDING_VENDOR),
    "waiting": (Status.PENDING,),
    "resolved": (Status.RESOLVED,),
    "closed": (Status.CLOSED,),
    "all": None,
}


def ticket_list_for_requester(*, user, state: str = "all") -> QuerySet[Ticket]:
    """A person's own tickets and the ones they follow, most recently changed first. The
    few tickets one follows are read first, so both halves are index scans."""
    watched = list(TicketWatcher.objects.filter(user_id=user.pk).values_list("ticket_id", flat=True))
    tickets = Ticket.objects.filter(Q(requester=user) | Q(pk__in=watched))
    statuses = REQUESTER_STATES.get(state)
    if statuses is not None:
        tickets = tickets.filter(status__in=statuses)
    return tickets.select_related("category", "assignee").order_by("-updated_at", "-id")


# What a queue row shows; the rest of each ticket (description, every SLA instant) and of
# its people (password hashes, …) stays in the database.
QUEUE_ROW_FIELDS = (
    "subject",
    "priority",
    "status",
    "level",
    "created_at",
    "updated_at",
    "sla_due_at",
    "sla_warn_at",
    "channel",
    "category__name",
    *(
        f"{person}__{field}"
        for person in ("assignee", "requester")
        for field in ("username", "first_name", "last_name")
    ),
)


def ticket_queue(*, user, level: int, view: str, params, sort: str) -> tuple[QuerySet[Ticket], TicketQueueFilter]:
    """Open tickets of one level for a queue tab, filtered and sorted. Every sort order
    is served by a partial index on open tickets. Snoozed tickets are left out of every
    tab but their own, which lists them by when they come back."""
    base = Ticket.objects.filter(level=level, status__in=OPEN_STATUSES)
    if view == QueueView.SNOOZED:
        base = base.filter(snoozed_until__isnull=False)
        queue_filter = TicketQueueFilter(params, queryset=base, user=user)
        queryset = queue_filter.qs if queue_filter.is_valid() else base
        return (
            queryset.select_related("category", "assignee", "requester")
            .only(*QUEUE_ROW_FIELDS, "snoozed_until")
            .order_by("snoozed_until", "id"),
            queue_filter,
        )
    base = base.filter(snoozed_until__isnull=True)
    if view == QueueView.UNASSIGNED:
        base = base.filter(assignee__isnull=True)
    elif view == QueueView.MINE:
        base = base.filter(assignee=user)
    queue_filter = TicketQueueFilter(params, queryset=base, user=user)
    queryset = queue_filter.qs if queue_filter.is_valid() else base
    return (
        queryset.select_related("category", "assignee", "requester")
        .only(*QUEUE_ROW_FIELDS)
        .order_by(*QUEUE_SORTS.get(sort, QUEUE_SORTS["priority"])),
        queue_filter,
    )


def ticket_list(*, user, params, sort: str, now: datetime | None = None) -> tuple[QuerySet[Ticket], TicketListFilter]:
    """Tickets of every status at the levels ``user`` works (supervisors and
    administrators: every level), filtered by the list's filters and sorted. Filters
    that do not parse leave the list unfiltered (the filter's errors say why). A search
    without a chosen sort keeps its best matches first."""
    base = Ticket.objects.filter(level__in=agent_levels(user))
    list_filter = TicketListFilter(params, queryset=base, user=user, now=now)
    queryset = list_filter.qs if list_filter.is_valid() else base
    queryset = queryset.select_related("category", "assignee", "requester").only(*QUEUE_ROW_FIELDS, "resolved_at")
    searching = list_filter.is_valid() and (list_filter.form.cleaned_data.get("q") or "").strip()
    if searching and not params.get("sort") and queryset.ordered:
        return queryset, list_filter
    return queryset.order_by(*LIST_SORTS.get(sort, LIST_SORTS[LIST_DEFAULT_SORT])), list_filter


def ticket_list_matching(*, user, query: str, limit: int) -> tuple[list[str], int] | None:
    """The references of the tickets the list finds for ``query`` (its query string), in
    the list's order, at most ``limit`` of them, and how many match in all; None when a
    filter of the query does not parse (a bulk action must not widen to the whole list)."""
    params = QueryDict(query)
    tickets, list_filter = ticket_list(user=user, params=params, sort=params.get("sort", LIST_DEFAULT_SORT))
    if list_filter.errors:
        return None
    found = [reference_for(pk) for pk in tickets.values_list("pk", flat=True)[:limit]]
    return found, tickets.count() if len(found) == limit else len(found)


def saved_views_for(*, user) -> QuerySet[SavedView]:
    """The saved views a member of staff may open: their own and every shared one."""
    return (
        SavedView.objects.filter(Q(owner=user) | Q(is_shared=True))
        .select_related("owner")
        .only("name", "query", "is_shared", "owner_id", "owner__username", "owner__first_name", "owner__last_name")
        .order_by("name", "id")
    )


def saved_view_get_for_user(*, user, pk: int) -> SavedView:
    view = saved_views_for(user=user).filter(pk=pk).first()
    if view is None:
        raise Http404
    return view


def requester_ticket_counts(*, user) -> dict[str, int]:
    """How many of a requester's tickets (their own and the ones they follow) are in each
    state "My tickets" filters by (two queries)."""
    watched = list(TicketWatcher.objects.filter(user_id=user.pk).values_list("ticket_id", flat=True))
    return Ticket.objects.filter(Q(requester=user) | Q(pk__in=watched)).aggregate(
        **{
            state: Count("id", filter=Q(status__in=statuses)) if statuses else Count("id")
            for state, statuses in REQUESTER_STATES.items()
        }
    )


def people_names(usernames: set[str]) -> dict[str, str]:
    """People's names (full name, else login name) for the login names that assignment
    events store: one query however many events name them, none when none do. A login
    name nobody has any more stays as it is."""
    if not usernames:
        return {}
    people = get_user_model().objects.filter(username__in=usernames).only("username", "first_name", "last_name")
    return {person.username: str(person) for person in people}


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # "comment" or "event"
    item: object


def ticket_events_visible(*, user, ticket: Ticket) -> QuerySet[TicketEvent]:
    """The one rule for which audit events of a ticket a person sees, oldest first, for
    the ticket page, the API, exports and mail alike. Support staff (any level, also
    below the ticket's) see every event. Anyone else, the requester among them, sees none
    that announces or names something internal: no internal note, no page acknowledged,
    and no file added to an internal note. A file's event names it without saying where it went, so it is shown only when a
    file of that name by the same person, added by then, is on the ticket itself or on a
    public reply; when in doubt the event stays hidden."""
    events = TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("created_at", "id")
    if agent_levels(user):
        return events
    public_file = Attachment.objects.filter(
        Q(comment__isnull=True) | Q(comment__is_internal=False),
        ticket=OuterRef("ticket"),
        uploaded_by=OuterRef("actor"),
        original_name=OuterRef("to_value"),
        created_at__lte=OuterRef("created_at"),
    )
    return events.exclude(kind__in=INTERNAL_EVENT_KINDS).filter(
        ~Q(kind=EventKind.ATTACHMENT_ADDED) | Exists(public_file)
    )


def ticket_timeline(*, ticket: Ticket, user) -> list[TimelineEntry]:
    """Comments (with attachments) and the audit events ``user`` may see
    (ticket_events_visible), oldest first. Internal notes stay out for requesters."""
    comments = (
        Comment.objects.filter(ticket=ticket)
        .select_related("author", "logged_by")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )
    if not agent_levels(user):
        comments = comments.filter(is_internal=False)
    # Replies and files are shown as themselves (the comments and the attachments list),
    # not again as history lines.
    events = ticket_events_visible(user=user, ticket=ticket).exclude(
        kind__in=[EventKind.COMMENTED, EventKind.ATTACHMENT_ADDED]
    )
    history = list(events)
    names = people_names(
        {value for e in history if e.field in ("assignee", "watcher") for value in (e.from_value, e.to_value) if value}
    )
    for e in history:
        e.people = names  # type: ignore[attr-defined]  # read by the event_text tag
    entries = [TimelineEntry(c.created_at, "comment", c) for c in comments]
    entries += [TimelineEntry(e.created_at, "event", e) for e in history]
    entries.sort(key=lambda entry: (entry.at, 0 if entry.kind == "event" else 1))
    return entries


def ticket_attachments(*, ticket: Ticket) -> QuerySet[Attachment]:
    return Attachment.objects.filter(ticket=ticket, comment__isnull=True).order_by("id")


def attachment_get_for_user(*, user, pk: int) -> Attachment:
    """An attachment, if its ticket is visible to the user and it is not on an internal note."""
    attachment = Attachment.objects.select_related("ticket", "comment").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    ticket_get_for_user(user=user, reference=attachment.ticket.reference)
    if attachment.comment is not None and attachment.comment.is_internal and not agent_levels(user):
        raise Http404
    return attachment


@dataclass
class DashboardData:
    levels: list[tuple[int, Any]]  # (value, lazily translated label)
    priorities: list[tuple[int, Any]]
    matrix: dict[int, dict[int, int]]
    level_totals: dict[int, int]
    priority_totals: dict[int, int]
    total_open: int
    unassigned: dict[int, int]
    oldest: list[Ticket]
    escalations_today: int  # tickets escalated since the start of today
    escalations_today_by_level: dict[int, int]
    today_from: datetime


def dashboard_data(*, now: datetime | None = None, oldest_limit: int = 10) -> DashboardData:
    """The supervisor's first view: four aggregate queries and one short list."""
    now = now or timezone.now()
    levels = [(level.value, level.label) for level in Level]
    priorities = [(priority.value, priority.label) for priority in Priority]
    matrix = {level: {priority: 0 for priority, _label in priorities} for level, _label in levels}
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    # Count("*") lets PostgreSQL answer from the partial indexes alone (no id needed).
    for row in open_tickets.values("level", "priority").annotate(n=Count("*")).order_by():
        matrix[row["level"]][row["priority"]] = row["n"]
    unassigned = {level: 0 for level, _label in levels}
    for row in open_tickets.filter(assignee__isnull=True).values("level").annotate(n=Count("*")).order_by():
        unassigned[row["level"]] = row["n"]
    start_of_day = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    # Tickets (not escalations) escalated today, to each level and to any: what the list
    # finds for escalated_after (and escalated_to), so each figure links to its tickets.
    escalated = TicketEvent.objects.filter(kind=EventKind.ESCALATED, created_at__gte=start_of_day)
    counted = escalated.aggregate(
        any=Count("ticket_id", distinct=True),
        **{f"to_{level}": Count("ticket_id", distinct=True, filter=Q(to_value=str(level))) for level, _label in levels},
    )
    by_level = {level: counted[f"to_{level}"] for level, _label in levels}
    oldest = list(open_tickets.select_related("assignee", "category").order_by("created_at", "id")[:oldest_limit])
    return DashboardData(
        levels=levels,
        priorities=priorities,
        matrix=matrix,
        level_totals={level: sum(row.values()) for level, row in matrix.items()},
        priority_totals={p: sum(matrix[level][p] for level, _l in levels) for p, _label in priorities},
        total_open=sum(sum(row.values()) for row in matrix.values()),
        unassigned=unassigned,
        oldest=oldest,
        escalations_today=counted["any"],
        escalations_today_by_level=by_level,
        today_from=start_of_day,
    )


def category_choices() -> list[tuple[int, str]]:
    """(id, name) of every category, for filter drop-downs."""
    named = [(pk, gettext(name)) for pk, name in Category.objects.values_list("id", "name")]
    return sorted(named, key=lambda choice: choice[1].casefold())


@dataclass
class SlaRisk:
    levels: list[tuple[int, Any]]
    at_risk: dict[int, int]
    breached: dict[int, int]
    tickets: list[Any]  # Ticket rows


def sla_risk(*, now: datetime | None = None, limit: int = 15) -> SlaRisk:
    """Open tickets warned but not yet breached ("at risk") and breached, per level, and
    the most urgent of them: two queries over the due-time columns."""
    now = now or timezone.now()
    # Warned (sla_warn_at <= now) covers both: breached is warned with the due time passed.
    warned = Ticket.objects.filter(status__in=OPEN_STATUSES, sla_warn_at__lte=now)
    breached_filter = Q(sla_due_at__lte=now)
    levels = [(level.value, level.label) for level in Level]
    at_risk = dict.fromkeys((value for value, _label in levels), 0)
    breached = dict.fromkeys((value for value, _label in levels), 0)
    counts = warned.values("level").annotate(warned=Count("*"), breached=Count("sla_due_at", filter=breached_filter))
    for row in counts.order_by():
        at_risk[row["level"]] = row["warned"] - row["breached"]
        breached[row["level"]] = row["breached"]
    urgent = list(warned.select_related("assignee").order_by("sla_due_at", "id")[:limit])
    return SlaRisk(levels=levels, at_risk=at_risk, breached=breached, tickets=urgent)


@dataclass
class SlaLine:
    at: datetime
    text: str
    tone: str  # "run", "pause", "warn", "breach", "met", "info"


@dataclass
class SlaExplanation:
    policy: object | None
    lines: list[SlaLine]
    first_response_met: bool | None  # None while still running
    resolution_met: bool | None


def sla_explain(*, ticket) -> SlaExplanation:
    """The ticket's SLA story, oldest first: which promise applies, when the clock ran,
    paused, warned and breached, and why (three small queries)."""
    policy = sla_policy_for(priority=ticket.priority, category_id=ticket.category_id)
    lines: list[SlaLine] = []
    if policy is not None:
        lines.append(
            SlaLine(
                ticket.created_at,
                _("Clock started. P%(p)s promise: first response within %(r)s, resolution within %(s)s (%(cal)s).")
                % {
                    "p": ticket.priority,
                    "r": _minutes_text(policy.first_response_minutes),
                    "s": _minutes_text(policy.resolution_minutes),
                    "cal": policy.calendar.display_name,
                },
                "run",
            )
        )
    running = clock_running_statuses(policy)
    history = TicketEvent.objects.filter(ticket=ticket, field__in=["status", "priority"]).order_by("created_at", "id")
    for event in history:
        if event.field == "priority":
            lines.append(
                SlaLine(
                    event.created_at,
                    _("Priority changed from P%(old)s to P%(new)s: due times recomputed as if from the start.")
                    % {"old": event.from_value, "new": event.to_value},
                    "info",
                )
            )
        elif event.to_value in PENDING_STATUSES and event.to_value in running:
            lines.append(
                SlaLine(event.created_at, _("Still counting: this policy does not pause for this wait."), "info")
            )
        elif event.to_value == Status.PENDING:
            lines.append(SlaLine(event.created_at, _("Clock paused: waiting for the customer."), "pause"))
        elif event.to_value == Status.PENDING_VENDOR:
            lines.append(SlaLine(event.created_at, _("Clock paused: waiting on the vendor."), "pause"))
        elif event.to_value == Status.PENDING_THIRD_PARTY:
            lines.append(SlaLine(event.created_at, _("Clock paused: waiting on a third party."), "pause"))
        elif event.to_value in (Status.RESOLVED, Status.CLOSED) and event.from_value in OPEN_STATUSES:
            lines.append(SlaLine(event.created_at, _("Clock stopped: resolved."), "met"))
        elif event.to_value in (Status.NEW, Status.OPEN) and event.from_value not in OPEN_STATUSES:
            why = _("reopened") if event.kind == EventKind.REOPENED else _("back to work")
            lines.append(SlaLine(event.created_at, _("Clock running again: %(why)s.") % {"why": why}, "run"))
        elif event.to_value == Status.OPEN and event.from_value == Status.PENDING:
            lines.append(SlaLine(event.created_at, _("Clock resumed: the ticket is open again."), "run"))
        elif event.to_value == Status.OPEN and event.from_value == Status.PENDING_VENDOR:
            lines.append(SlaLine(event.created_at, _("Clock resumed: the vendor escalation is closed."), "run"))
        elif event.to_value == Status.OPEN and event.from_value == Status.PENDING_THIRD_PARTY:
            lines.append(SlaLine(event.created_at, _("Clock resumed: the ticket is open again."), "run"))
    for sla_event in sla_events_of(ticket_id=ticket.pk):
        breach = sla_event.threshold == "breached"
        lines.append(
            SlaLine(
                sla_event.due_at,
                (_("Breached: %(metric)s target missed.") if breach else _("%(threshold)s: %(metric)s."))
                % {"metric": sla_event.get_metric_display().lower(), "threshold": sla_event.get_threshold_display()},
                "breach" if breach else "warn",
            )
        )
    first_response_met = None
    if ticket.first_response_at is not None:
        due = ticket.first_response_due_at
        first_response_met = due is None or ticket.first_response_at <= due
        lines.append(
            SlaLine(
                ticket.first_response_at,
                _("First response given: target met.") if first_response_met else _("First response given, late."),
                "met" if first_response_met else "breach",
            )
        )
    resolution_met = None
    if ticket.resolved_at is not None:
        due = ticket.resolution_due_at
        resolution_met = due is None or ticket.resolved_at <= due
    lines.sort(key=lambda line: line.at)
    return SlaExplanation(
        policy=policy, lines=lines, first_response_met=first_response_met, resolution_met=resolution_met
    )


def _minutes_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)s h") % {"h": hours}
    return _("%(m)s min") % {"m": minutes}


def sla_status(*, ticket, now: datetime | None = None) -> dict:
    """Where the ticket stands against its SLA: each target's due time (known once the
    clock has run that long), when it was done, and whether it was met, missed, is
    running or paused."""
    now = now or timezone.now()
    policy = sla_policy_for(priority=ticket.priority, category_id=ticket.category_id)
    running = policy is not None and ticket.status in clock_running_statuses(policy)
    targets = []
    for metric, label, due, done in (
        ("first_response", _("First response"), ticket.first_response_due_at, ticket.first_response_at),
        ("resolution", _("Resolution"), ticket.resolution_due_at, ticket.resolved_at),
    ):
        if policy is None:
            state = "none"
        elif done is not None:
            state = "missed" if due is not None and done > due else "met"
        elif due is not None and due <= now:
            state = "missed"
        else:
            state = "running" if running else "paused"
        targets.append({"metric": metric, "label": str(label), "due_at": due, "done_at": done, "state": state})
    return {
        "policy": str(policy) if policy is not None else None,
        "running": running,
        "due_at": ticket.sla_due_at,
        "lines": targets,
    }


def ticket_reminders(*, ticket: Ticket) -> list[TicketReminder]:
    """The reminders still due on a ticket, soonest first, with their agents (one query)."""
    return list(
        TicketReminder.objects.filter(ticket=ticket, sent_at__isnull=True, cancelled_at__isnull=True)
        .select_related("agent")
        .order_by("remind_at", "id")
    )


def ticket_checklist(*, ticket: Ticket) -> list:
    """The ticket's checklist in order, with who ticked each step (one query)."""
    return list(TicketChecklistItem.objects.filter(ticket=ticket).select_related("done_by").order_by("position"))


@dataclass
class TicketTime:
    """The time recorded on a ticket, newest first, its total, and the reader's own running timer."""

    entries: list[TimeEntry]
    total_minutes: int
    running: TimeEntry | None


def ticket_time_entries(*, ticket: Ticket) -> QuerySet[TimeEntry]:
    """The recorded entries of a ticket (running timers left out), newest first."""
    return (
        TimeEntry.objects.filter(ticket=ticket, ended_at__isnull=False)
        .select_related("agent")
        .order_by("-ended_at", "-id")
    )


def ticket_time(*, ticket: Ticket, user) -> TicketTime:
    """What the ticket page's time panel shows a member of staff (two queries)."""
    entries = list(ticket_time_entries(ticket=ticket))
    running = TimeEntry.objects.filter(ticket=ticket, agent=user, ended_at__isnull=True).first()
    return TicketTime(entries=entries, total_minutes=sum(entry.minutes or 0 for entry in entries), running=running)


@dataclass
class TicketFamily:
    parent: Ticket | None
    children: list[Ticket]


# The children a ticket page lists at most (an outage may bring hundreds): the count is
# always given.
FAMILY_CHILDREN_SHOWN = 50


def ticket_family(*, ticket: Ticket) -> TicketFamily:
    """A ticket's parent and its children (first of them, oldest first), in two queries at most."""
    parent = (
        Ticket.objects.filter(pk=ticket.parent_id).only("id", "subject", "status").first() if ticket.parent_id else None
    )
    children = list(
        Ticket.objects.filter(parent_id=ticket.pk)
        .select_related("requester")
        .only("id", "subject", "status", "requester__username", "requester__first_name", "requester__last_name")
        .order_by("created_at", "id")[:FAMILY_CHILDREN_SHOWN]
    )
    return TicketFamily(parent=parent, children=children)


def ticket_children(*, ticket: Ticket) -> QuerySet[Ticket]:
    """A ticket's children, oldest first, as the API lists tickets."""
    return (
        Ticket.objects.filter(parent_id=ticket.pk)
        .select_related("requester", "assignee", "category")
        .only(*API_TICKET_FIELDS)
        .order_by("created_at", "id")
    )


def ticket_watchers(*, ticket: Ticket) -> list[TicketWatcher]:
    """Who follows the ticket, in the order they started, with their names."""
    return list(
        TicketWatcher.objects.filter(ticket=ticket)
        .select_related("user")
        .only("ticket_id", "created_at", "user__username", "user__first_name", "user__last_name", "user__email")
        .order_by("created_at", "id")
    )


@dataclass
class LinkShown:
    """One link as a ticket's page shows it: how the other ticket stands to this one."""

    pk: int
    label: str
    other: Ticket
    kind: str
    outgoing: bool


def ticket_links_for_user(*, ticket: Ticket, user) -> list[LinkShown]:
    """The links on a ticket, both directions, labelled as read from this ticket (a
    duplicate of / duplicated by, caused by / causes), naming only tickets ``user`` may
    read: staff every one, anyone else the ones they filed or follow. Two queries."""
    links = list(
        TicketLink.objects.filter(Q(from_ticket=ticket) | Q(to_ticket=ticket))
        .select_related("from_ticket", "to_ticket")
        .only(
            "kind",
            "from_ticket_id",
            "to_ticket_id",
            *(f"{side}__{field}" for side in ("from_ticket", "to_ticket") for field in ("subject", "status")),
        )
        .order_by("created_at", "id")
    )
    readable = None
    if not agent_levels(user):
        others = {link.to_ticket_id if link.from_ticket_id == ticket.pk else link.from_ticket_id for link in links}
        readable = (
            set(
                Ticket.objects.filter(pk__in=others)
                .filter(
                    Q(requester_id=user.pk)
                    | Exists(TicketWatcher.objects.filter(ticket=OuterRef("pk"), user_id=user.pk))
                )
                .values_list("pk", flat=True)
            )
            if others
            else set()
        )
    shown = []
    for link in links:
        outgoing = link.from_ticket_id == ticket.pk
        other = link.to_ticket if outgoing else link.from_ticket
        if readable is not None and other.pk not in readable:
            continue
        label = LinkKind(link.kind).label if outgoing else LINK_REVERSE_LABELS[LinkKind(link.kind)]
        shown.append(LinkShown(pk=link.pk, label=str(label), other=other, kind=link.kind, outgoing=outgoing))
    return shown
