from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import Level


def agent_levels(user) -> list[int]:
    """The levels a user may work, memoised on the user object for the request.

    Supervisors and administrators work every level; agents the levels they are members
    of; everyone else none.
    """
    cached = getattr(user, "_helpdesk_levels", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        levels: list[int] = []
    elif user.has_perm("tickets.supervise_ticket"):
        levels = list(Level.values)
    elif user.has_perm("tickets.work_ticket"):
        levels = sorted(user.support_levels.values_list("number", flat=True))
    else:
        levels = []
    user._helpdesk_levels = levels
    return levels


def agent_can_act_at(user, level: int) -> bool:
    """An agent may act on tickets at their highest level and below, never above."""
    levels = agent_levels(user)
    return bool(levels) and level <= max(levels)


def level_agents(*, level: int) -> QuerySet:
    """Active people who work the given level (its members), for routing notices."""
    return get_user_model().objects.filter(is_active=True, support_levels__number=level).distinct()


def assignable_agents(*, level: int) -> QuerySet:
    """People who may own a ticket at this level: members of this level or a higher one,
    and supervisors and administrators, who work every level."""
    from accounts.choices import Role

    return (
        get_user_model()
        .objects.filter(
            Q(support_levels__number__gte=level)
            | Q(groups__name__in=[Role.SUPERVISOR, Role.ADMIN])
            | Q(is_superuser=True),
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "username")
    )


def level_supervisors(*, level: int) -> list:
    """Supervisors of a level: those who are members of it, else every supervisor."""
    from accounts.choices import Role

    supervisors = get_user_model().objects.filter(is_active=True, groups__name=Role.SUPERVISOR).distinct()
    own = list(supervisors.filter(support_levels__number=level))
    return own or list(supervisors)


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
    from tickets.choices import OPEN_STATUSES, EventKind, Status
    from tickets.models import TicketEvent

    from .models import SlaEvent

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
        elif event.to_value == Status.PENDING:
            lines.append(SlaLine(event.created_at, _("Clock paused: waiting for the customer."), "pause"))
        elif event.to_value in (Status.RESOLVED, Status.CLOSED) and event.from_value in OPEN_STATUSES:
            lines.append(SlaLine(event.created_at, _("Clock stopped: resolved."), "met"))
        elif event.to_value in (Status.NEW, Status.OPEN) and event.from_value not in OPEN_STATUSES:
            why = _("reopened") if event.kind == EventKind.REOPENED else _("back to work")
            lines.append(SlaLine(event.created_at, _("Clock running again: %(why)s.") % {"why": why}, "run"))
        elif event.to_value == Status.OPEN and event.from_value == Status.PENDING:
            lines.append(SlaLine(event.created_at, _("Clock resumed: the ticket is open again."), "run"))
    for sla_event in SlaEvent.objects.filter(ticket=ticket).order_by("due_at", "id"):
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


def sla_policy_for(*, priority: int, category_id: int | None):
    """The category's own policy for this priority if there is one, else the default
    (read once per process while unchanged: escalation.caching)."""
    from .caching import config_cached
    from .models import SlaPolicy

    return config_cached(
        "sla-policy",
        (priority, category_id),
        lambda: (
            SlaPolicy.objects.select_related("calendar")
            .filter(Q(category_id=category_id) | Q(category__isnull=True), priority=priority)
            .order_by(F("category_id").asc(nulls_last=True))
            .first()
        ),
    )


def notification_log(*, status: str | None = None):
    """Outbox rows for the delivery log, newest first; pending, sending and failed unless
    a status is asked for."""
    from .choices import NotificationStatus
    from .models import Notification

    rows = Notification.objects.select_related("ticket", "recipient").defer("body_text", "body_html")
    if status in NotificationStatus.values:
        rows = rows.filter(status=status)
    else:
        rows = rows.exclude(status=NotificationStatus.SENT)
    return rows.order_by("-created_at", "-id")


def notification_counts() -> dict[str, int]:
    """How many outbox rows are in each state (one grouped query)."""
    from django.db.models import Count

    from .choices import NotificationStatus
    from .models import Notification

    counts = dict.fromkeys(NotificationStatus.values, 0)
    for row in Notification.objects.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def sla_status(*, ticket, now: datetime | None = None) -> dict:
    """Where the ticket stands against its SLA: each target's due time (known once the
    clock has run that long), when it was done, and whether it was met, missed, is
    running or paused."""
    from tickets.choices import OPEN_STATUSES, Status

    now = now or timezone.now()
    policy = sla_policy_for(priority=ticket.priority, category_id=ticket.category_id)
    running = policy is not None and ticket.status in OPEN_STATUSES and ticket.status != Status.PENDING
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


def notification_preferences_of(user_ids: list[int]) -> dict:
    """The preference rows of these people, by person (none: the defaults hold). Asked on
    every notification, so the statement is written once per number of people rather
    than compiled by the ORM each time, which cost more than the query itself on filing
    a ticket through the API (bench/api.py)."""
    from .models import NotificationPreference

    if not user_ids:
        return {}
    rows = NotificationPreference.objects.raw(_preferences_sql(connection.vendor, len(user_ids)), user_ids)
    return {row.pk: row for row in rows}


@cache
def _preferences_sql(vendor: str, count: int) -> str:
    from .models import NotificationPreference

    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in NotificationPreference._meta.concrete_fields)
    people = ", ".join(["%s"] * count)
    return (
        f"SELECT {columns} FROM {quote(NotificationPreference._meta.db_table)}"  # noqa: S608 (model table and columns)
        f" WHERE {quote(NotificationPreference._meta.pk.column)} IN ({people})"
    )
