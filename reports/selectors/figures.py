"""Reads of the reports app: every figure is one aggregate query over indexed columns.

Populations, stated once so every table means the same thing:

- *created in range*: tickets whose ``created_at`` falls in the range (SLA compliance,
  the escalation funnel, channels, categories, the created line of the trend);
- *responded in range*: first response in the range (time to acknowledge, MTTA);
- *resolved in range*: ``resolved_at`` in the range (time to resolve, MTTR, resolved per
  agent, the resolved line of the trend);
- *open now*: backlog, unassigned, aging, at risk and breached.

Medians and 90th percentiles are nearest-rank (the value at rank ceil(p x n) in
ascending order), computed with window functions so PostgreSQL and SQLite agree.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, Max, Q, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext

from accounts.choices import Level
from tickets.choices import OPEN_STATUSES, Channel, EventKind
from tickets.models import Category, TicketEvent

from .percentiles import percentiles
from .satisfaction import satisfaction_figures
from .scope import AGING_BUCKETS, LEVEL_KEYS, ReportFilters, created_in_range, pct, resolved_in_range, scoped
from .time import time_figures


def sla_compliance(filters: ReportFilters, *, now: datetime) -> list[dict]:
    """Per level (now) and priority, of the tickets created in range: first response and
    resolution met, missed (late, or still not done past the due time) and not yet due.

    A due time is only known once the clock has run that long (``sla_schedule``): a target
    met before its time leaves no due time behind, so "done, and no due time" is met."""
    counts = {}
    for metric, done, due in (
        ("fr", "first_response_at", "first_response_due_at"),
        ("res", "resolved_at", "resolution_due_at"),
    ):
        is_done = Q(**{f"{done}__isnull": False})
        counts[f"{metric}_met"] = Count(
            "id", filter=is_done & (Q(**{f"{due}__isnull": True}) | Q(**{f"{done}__lte": F(due)}))
        )
        counts[f"{metric}_missed"] = Count(
            "id",
            filter=(is_done & Q(**{f"{done}__gt": F(due)})) | Q(**{f"{done}__isnull": True, f"{due}__lt": now}),
        )
    rows = (
        created_in_range(filters)
        .values("level", "priority")
        .annotate(tickets=Count("*"), **counts)
        .order_by("level", "priority")
    )
    result = []
    for row in rows:
        row["fr_pct"] = pct(row["fr_met"], row["fr_met"] + row["fr_missed"])
        row["res_pct"] = pct(row["res_met"], row["res_met"] + row["res_missed"])
        result.append(row)
    return result


def sla_compliance_totals(rows: list[dict]) -> dict:
    totals = {key: sum(row[key] for row in rows) for key in ("tickets", "fr_met", "fr_missed", "res_met", "res_missed")}
    totals["fr_pct"] = pct(totals["fr_met"], totals["fr_met"] + totals["fr_missed"])
    totals["res_pct"] = pct(totals["res_met"], totals["res_met"] + totals["res_missed"])
    return totals


def response_times(filters: ReportFilters) -> list[dict]:
    """MTTA and MTTR per level and priority: median and 90th percentile of created ->
    first response (responded in range) and created -> resolved (resolved in range)."""
    acknowledged = scoped(filters).filter(first_response_at__gte=filters.since, first_response_at__lt=filters.until)
    mtta = percentiles(acknowledged, duration=F("first_response_at") - F("created_at"), group_by=["level", "priority"])
    mttr = percentiles(
        resolved_in_range(filters), duration=F("resolved_at") - F("created_at"), group_by=["level", "priority"]
    )
    result = []
    for key in sorted(set(mtta) | set(mttr)):
        a, r = mtta.get(key, {}), mttr.get(key, {})
        result.append(
            {
                "level": key[0],
                "priority": key[1],
                "acknowledged": a.get("n", 0),
                "mtta_p50": a.get(0.5),
                "mtta_p90": a.get(0.9),
                "resolved": r.get("n", 0),
                "mttr_p50": r.get(0.5),
                "mttr_p90": r.get(0.9),
            }
        )
    return result


def escalation_funnel(filters: ReportFilters) -> dict:
    """The escalation funnel of the tickets filed in range (README, "Reports", says what
    each figure counts). What happened to them is counted up to now.

    A ticket's level changes only by an escalation or a sending back (both in the audit
    trail), so a ticket never moved is still at the level it started at, and a moved
    one started at its level now, less its escalations, plus its sendings back. Two
    passes, both range scans: the tickets filed in range, each checked against the moves
    since the range began (a ticket's events follow its creation); and those moves,
    reduced to one row per moved ticket."""
    tickets = Q(ticket__created_at__gte=filters.since, ticket__created_at__lt=filters.until)
    if filters.level is not None:
        tickets &= Q(ticket__level=filters.level)
    if filters.category_id is not None:
        tickets &= Q(ticket__category_id=filters.category_id)
    if filters.agent_id is not None:
        tickets &= Q(ticket__assignee_id=filters.agent_id)
    move_kinds = [EventKind.ESCALATED, EventKind.DE_ESCALATED]
    moved = TicketEvent.objects.filter(kind__in=move_kinds, created_at__gte=filters.since).values("ticket_id")

    # Per level now and moved or not: at most six rows, the moves looked up once per ticket.
    groups = (
        created_in_range(filters)
        .annotate(moved=Case(When(id__in=moved, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .values_list("level", "moved")
        .annotate(n=Count("id"), resolved=Count("id", filter=Q(resolved_at__isnull=False)))
    )
    never_moved = {"created": 0, "at_i": 0, "at_ii": 0, "at_iii": 0, "solved_at_i": 0}
    for level, was_moved, n, resolved in groups:
        never_moved["created"] += n
        if not was_moved and level in LEVEL_KEYS:
            never_moved[LEVEL_KEYS[level]] += n
            if level == Level.I:
                never_moved["solved_at_i"] += resolved

    def number_of(kind: str) -> Sum:
        return Sum(Case(When(kind=kind, then=Value(1)), default=Value(0), output_field=IntegerField()))

    def ever(condition: Q) -> Max:
        return Max(Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField()))

    per_ticket = (
        TicketEvent.objects.filter(tickets, kind__in=move_kinds, created_at__gte=filters.since)
        .values("ticket_id")
        .annotate(
            level_now=Max("ticket__level"),
            ups=number_of(EventKind.ESCALATED),
            downs=number_of(EventKind.DE_ESCALATED),
            to_ii=ever(Q(kind=EventKind.ESCALATED, to_value=str(Level.II.value))),
            to_iii=ever(Q(kind=EventKind.ESCALATED, to_value=str(Level.III.value))),
            resolved=ever(Q(ticket__resolved_at__isnull=False)),
        )
        .annotate(start=F("level_now") - F("ups") + F("downs"))
        .order_by()
    )
    moves = per_ticket.aggregate(
        at_i=Count("ticket_id", filter=Q(start=Level.I)),
        at_ii=Count("ticket_id", filter=Q(start=Level.II)),
        at_iii=Count("ticket_id", filter=Q(start=Level.III)),
        escalated_ii=Count("ticket_id", filter=Q(start=Level.I, to_ii=1)),
        escalated_iii=Count("ticket_id", filter=Q(start=Level.I, to_iii=1)),
        bounced=Count("ticket_id", filter=Q(downs__gt=0)),
        resolved_from_i=Count("ticket_id", filter=Q(start=Level.I, resolved=1)),
    )
    started_at = {
        level: never_moved[key] + moves[key] for level, key in zip(Level, ("at_i", "at_ii", "at_iii"), strict=True)
    }
    # A moved ticket that started at Level I was escalated: it was not solved there.
    solved_at_first = never_moved["solved_at_i"]
    resolved_from_first = solved_at_first + moves["resolved_from_i"]
    escalated_to = {Level.I: 0, Level.II: moves["escalated_ii"], Level.III: moves["escalated_iii"]}
    # Every ticket that was ever above Level I: started there, or escalated from Level I.
    above_first = started_at[Level.II] + started_at[Level.III] + escalated_to[Level.II]
    return {
        "created": never_moved["created"],
        "started": started_at,
        "escalated_to": escalated_to,
        "bounced": moves["bounced"],
        "above_first": above_first,
        "to_ii_pct": pct(escalated_to[Level.II], started_at[Level.I]),
        "to_iii_pct": pct(escalated_to[Level.III], escalated_to[Level.II]),
        "bounced_pct": pct(moves["bounced"], above_first),
        "resolved_from_first": resolved_from_first,
        "solved_at_first": solved_at_first,
        "solved_at_first_pct": pct(solved_at_first, resolved_from_first),
    }


def agent_workload(filters: ReportFilters) -> list[dict]:
    """Per agent: open tickets assigned now, tickets resolved in range, and the median
    handling time (created -> resolved) of those. Every active person who works a level
    is listed, with zeros when idle."""
    people = get_user_model().objects.filter(is_active=True, support_levels__isnull=False).distinct()
    if filters.agent_id is not None:
        people = people.filter(pk=filters.agent_id)
    if filters.level is not None:
        people = people.filter(support_levels__number=filters.level)
    no_agent = ReportFilters(**{**filters.__dict__, "agent_id": None})
    open_now = dict(
        scoped(no_agent)
        .filter(status__in=OPEN_STATUSES, assignee__isnull=False)
        .values_list("assignee_id")
        .annotate(n=Count("*"))
    )
    resolved = resolved_in_range(no_agent).filter(assignee__isnull=False)
    handling = percentiles(
        resolved, duration=F("resolved_at") - F("created_at"), group_by=["assignee_id"], percentiles=(0.5,)
    )
    return [
        {
            "agent_id": person.pk,
            "agent": str(person),
            "open": open_now.get(person.pk, 0),
            "resolved": handling.get((person.pk,), {}).get("n", 0),
            "handling_p50": handling.get((person.pk,), {}).get(0.5),
        }
        for person in people.order_by("first_name", "username")
    ]


def aging(filters: ReportFilters, *, now: datetime) -> dict[str, int]:
    """Open tickets by age now: 0-1 day, 1-3 days, 3-7 days, over 7 days."""
    buckets = {}
    for name, low, high in AGING_BUCKETS:
        condition = Q(created_at__lte=now - timedelta(days=low))
        if high is not None:
            condition &= Q(created_at__gt=now - timedelta(days=high))
        buckets[name] = Count("id", filter=condition)
    return scoped(filters).filter(status__in=OPEN_STATUSES).aggregate(**buckets)


def created_by_channel_and_category(filters: ReportFilters) -> dict[tuple[str, int | None], int]:
    """Tickets created in range per (channel, category): one pass that serves both
    breakdowns (at most channels x categories rows)."""
    rows = created_in_range(filters).values_list("channel", "category_id").annotate(n=Count("*")).order_by()
    return {(channel, category_id): n for channel, category_id, n in rows}


def by_channel(filters: ReportFilters, *, mix: dict[tuple[str, int | None], int] | None = None) -> list[dict]:
    mix = created_by_channel_and_category(filters) if mix is None else mix
    counts: dict[str, int] = {}
    for (channel, _category_id), n in mix.items():
        counts[channel] = counts.get(channel, 0) + n
    return [{"channel": value, "label": label, "tickets": counts.get(value, 0)} for value, label in Channel.choices]


def by_category(filters: ReportFilters, *, mix: dict[tuple[str, int | None], int] | None = None) -> list[dict]:
    mix = created_by_channel_and_category(filters) if mix is None else mix
    counts: dict[int | None, int] = {}
    for (_channel, category_id), n in mix.items():  # at most channels x categories rows
        counts[category_id] = counts.get(category_id, 0) + n
    names = {pk: gettext(name) for pk, name in Category.objects.values_list("id", "name")}
    rows: list[dict[str, Any]] = [
        {"category_id": pk, "label": names.get(pk, ""), "tickets": n} for pk, n in counts.items() if pk
    ]
    rows.sort(key=lambda row: (-row["tickets"], row["label"]))
    if counts.get(None):
        rows.append({"category_id": None, "label": "", "tickets": counts[None]})
    return rows


def trend(filters: ReportFilters) -> list[dict]:
    """Created and resolved per day of the range, days in the viewer's time zone."""
    zone = filters.zone
    created = dict(
        created_in_range(filters)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values_list("day")
        .annotate(n=Count("*"))
    )
    resolved = dict(
        resolved_in_range(filters)
        .annotate(day=TruncDate("resolved_at", tzinfo=zone))
        .values_list("day")
        .annotate(n=Count("*"))
    )
    return [{"day": day, "created": created.get(day, 0), "resolved": resolved.get(day, 0)} for day in filters.days]


@dataclass
class RangeReport:
    filters: ReportFilters
    generated_at: datetime
    compliance: list[dict]
    compliance_totals: dict
    response: list[dict]
    funnel: dict
    workload: list[dict]
    aging: dict[str, int]
    channels: list[dict]
    categories: list[dict]
    trend: list[dict]
    satisfaction: dict = field(default_factory=dict)
    time: dict = field(default_factory=dict)


def range_report(filters: ReportFilters, *, now: datetime | None = None) -> RangeReport:
    """Every figure of the period, on the request's own database connection (the views
    cache the result, so a repeat view costs no query)."""
    now = now or timezone.now()
    compliance = sla_compliance(filters, now=now)
    mix = created_by_channel_and_category(filters)
    return RangeReport(
        filters=filters,
        generated_at=now,
        compliance=compliance,
        compliance_totals=sla_compliance_totals(compliance),
        response=response_times(filters),
        funnel=escalation_funnel(filters),
        workload=agent_workload(filters),
        aging=aging(filters, now=now),
        channels=by_channel(filters, mix=mix),
        categories=by_category(filters, mix=mix),
        trend=trend(filters),
        satisfaction=satisfaction_figures(filters),
        time=time_figures(filters),
    )
