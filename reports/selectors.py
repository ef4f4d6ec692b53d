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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Ceil, Coalesce, Concat, NullIf, RowNumber, Trim, TruncDate
from django.utils import timezone
from django.utils.translation import gettext

from accounts.choices import Level
from tickets.choices import OPEN_STATUSES, Channel, EventKind, Priority
from tickets.models import Category, Ticket, TicketEvent

LEVEL_KEYS = {Level.I: "at_i", Level.II: "at_ii", Level.III: "at_iii"}
AGING_BUCKETS = (("0-1", 0, 1), ("1-3", 1, 3), ("3-7", 3, 7), ("7+", 7, None))
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class ReportFilters:
    """What a report covers: a range of whole days in ``time_zone`` (``end`` included),
    and optionally one level, one category and one agent (the assignee)."""

    start: date
    end: date
    time_zone: str = "Asia/Jakarta"
    level: int | None = None
    category_id: int | None = None
    agent_id: int | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=self.zone)

    @property
    def until(self) -> datetime:
        """The first instant after the range."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.zone)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def cache_key(self) -> str:
        return f"{self.start}:{self.end}:{self.time_zone}:{self.level}:{self.category_id}:{self.agent_id}"


def _scoped(filters: ReportFilters, queryset: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    """Tickets narrowed by the level, category and agent filters (not by dates)."""
    tickets = Ticket.objects.all() if queryset is None else queryset
    if filters.level is not None:
        tickets = tickets.filter(level=filters.level)
    if filters.category_id is not None:
        tickets = tickets.filter(category_id=filters.category_id)
    if filters.agent_id is not None:
        tickets = tickets.filter(assignee_id=filters.agent_id)
    return tickets.order_by()


def _created(filters: ReportFilters) -> QuerySet[Ticket]:
    return _scoped(filters).filter(created_at__gte=filters.since, created_at__lt=filters.until)


def _resolved(filters: ReportFilters) -> QuerySet[Ticket]:
    return _scoped(filters).filter(resolved_at__gte=filters.since, resolved_at__lt=filters.until)


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# --- percentiles -----------------------------------------------------------------


class PercentileDisc(Aggregate):
    """PostgreSQL's nearest-rank percentile: the first value whose cumulative share
    reaches ``fraction`` (the value at rank ceil(fraction x n))."""

    function = "percentile_disc"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float, **extra) -> None:
        if not 0 < fraction <= 1:
            raise ValueError("fraction must be in (0, 1]")
        super().__init__(expression, fraction=repr(float(fraction)), output_field=DurationField(), **extra)


def _percentiles(
    rows: QuerySet, *, duration: Any, group_by: list[str], percentiles: Iterable[float] = (0.5, 0.9)
) -> dict[tuple, dict]:
    """Nearest-rank percentiles of ``duration`` per group, and each group's size
    (under "n"): one query. PostgreSQL has percentile_disc; elsewhere each row gets its
    rank and its group's size from window functions and only the rows at the wanted
    ranks come back."""
    result: dict[tuple, dict] = {}
    if connection.vendor == "postgresql":
        aggregates = {f"p{n}": PercentileDisc(duration, fraction=p) for n, p in enumerate(percentiles)}
        for row in rows.values(*group_by).annotate(_n=Count("*"), **aggregates).order_by():
            key = tuple(row[name] for name in group_by)
            result[key] = {"n": row["_n"], **{p: row[f"p{n}"] for n, p in enumerate(percentiles)}}
        return result
    partition = [F(name) for name in group_by]
    ranked = rows.annotate(
        _duration=ExpressionWrapper(duration, output_field=DurationField()),
        _rank=Window(RowNumber(), partition_by=partition, order_by=[F("_duration").asc(), F("id").asc()]),
        _size=Window(Count("*"), partition_by=partition),
    )
    wanted = Q()
    for p in percentiles:
        wanted |= Q(_rank=Ceil(F("_size") * Value(p)))
    for row in ranked.filter(wanted).values(*group_by, "_rank", "_size", "_duration"):
        key = tuple(row[name] for name in group_by)
        entry = result.setdefault(key, {"n": row["_size"]})
        for p in percentiles:
            if row["_rank"] == max(1, -(-row["_size"] * p // 1)):
                entry[p] = row["_duration"]
    return result


# --- the range report ------------------------------------------------------------


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
        _created(filters)
        .values("level", "priority")
        .annotate(tickets=Count("*"), **counts)
        .order_by("level", "priority")
    )
    result = []
    for row in rows:
        row["fr_pct"] = _pct(row["fr_met"], row["fr_met"] + row["fr_missed"])
        row["res_pct"] = _pct(row["res_met"], row["res_met"] + row["res_missed"])
        result.append(row)
    return result


def sla_compliance_totals(rows: list[dict]) -> dict:
    totals = {key: sum(row[key] for row in rows) for key in ("tickets", "fr_met", "fr_missed", "res_met", "res_missed")}
    totals["fr_pct"] = _pct(totals["fr_met"], totals["fr_met"] + totals["fr_missed"])
    totals["res_pct"] = _pct(totals["res_met"], totals["res_met"] + totals["res_missed"])
    return totals


def response_times(filters: ReportFilters) -> list[dict]:
    """MTTA and MTTR per level and priority: median and 90th percentile of created ->
    first response (responded in range) and created -> resolved (resolved in range)."""
    acknowledged = _scoped(filters).filter(first_response_at__gte=filters.since, first_response_at__lt=filters.until)
    mtta = _percentiles(acknowledged, duration=F("first_response_at") - F("created_at"), group_by=["level", "priority"])
    mttr = _percentiles(_resolved(filters), duration=F("resolved_at") - F("created_at"), group_by=["level", "priority"])
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
        _created(filters)
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
        "to_ii_pct": _pct(escalated_to[Level.II], started_at[Level.I]),
        "to_iii_pct": _pct(escalated_to[Level.III], escalated_to[Level.II]),
        "bounced_pct": _pct(moves["bounced"], above_first),
        "resolved_from_first": resolved_from_first,
        "solved_at_first": solved_at_first,
        "solved_at_first_pct": _pct(solved_at_first, resolved_from_first),
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
        _scoped(no_agent)
        .filter(status__in=OPEN_STATUSES, assignee__isnull=False)
        .values_list("assignee_id")
        .annotate(n=Count("*"))
    )
    resolved = _resolved(no_agent).filter(assignee__isnull=False)
    handling = _percentiles(
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
    return _scoped(filters).filter(status__in=OPEN_STATUSES).aggregate(**buckets)


def created_by_channel_and_category(filters: ReportFilters) -> dict[tuple[str, int | None], int]:
    """Tickets created in range per (channel, category): one pass that serves both
    breakdowns (at most channels x categories rows)."""
    rows = _created(filters).values_list("channel", "category_id").annotate(n=Count("*")).order_by()
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
        _created(filters).annotate(day=TruncDate("created_at", tzinfo=zone)).values_list("day").annotate(n=Count("*"))
    )
    resolved = dict(
        _resolved(filters).annotate(day=TruncDate("resolved_at", tzinfo=zone)).values_list("day").annotate(n=Count("*"))
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
    )


# --- live -------------------------------------------------------------------------


def oldest_open_per_level(filters: ReportFilters) -> dict[int, Ticket | None]:
    """The oldest open ticket of each level: one short indexed query per level."""
    tickets = _scoped(ReportFilters(**{**filters.__dict__, "level": None})).filter(status__in=OPEN_STATUSES)
    levels = [filters.level] if filters.level is not None else list(Level.values)
    return {
        level: tickets.filter(level=level).select_related("assignee").order_by("created_at", "id").first()
        for level in levels
    }


# --- the filtered ticket list (CSV) ----------------------------------------------

TICKET_EXPORT_FIELDS = (
    "id",
    "subject",
    "status",
    "priority",
    "level",
    "channel",
    "category__name",
    "requester_name",
    "assignee_name",
    "created_at",
    "first_response_at",
    "first_response_due_at",
    "resolved_at",
    "resolution_due_at",
)


def _person_name(relation: str) -> Coalesce:
    """A person's name as ``str(user)`` gives it (full name, else login name), in SQL."""
    full_name = Trim(Concat(F(f"{relation}__first_name"), Value(" "), F(f"{relation}__last_name")))
    return Coalesce(NullIf(full_name, Value("")), F(f"{relation}__username"), output_field=CharField())


def tickets_for_export(filters: ReportFilters) -> Iterator[tuple]:
    """The tickets created in range, oldest first, streamed from the database in chunks;
    people by name."""
    rows = (
        _created(filters)
        .annotate(requester_name=_person_name("requester"), assignee_name=_person_name("assignee"))
        .order_by("created_at", "id")
        .values_list(*TICKET_EXPORT_FIELDS)
    )
    return rows.iterator(chunk_size=2000)


def month_range(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def live_figures(filters: ReportFilters, *, now: datetime) -> dict:
    """Open tickets now, per level and priority, with how many of them are unassigned,
    at risk (warned, not yet due) and breached: one aggregate query."""
    rows = (
        _scoped(filters)
        .filter(status__in=OPEN_STATUSES)
        .values("level", "priority")
        .annotate(
            open=Count("*"),
            # Value(1), not "id": the counts then come from the live index alone.
            unassigned=Count(Value(1), filter=Q(assignee__isnull=True)),
            at_risk=Count(
                Value(1), filter=Q(sla_warn_at__lte=now) & (Q(sla_due_at__gt=now) | Q(sla_due_at__isnull=True))
            ),
            breached=Count(Value(1), filter=Q(sla_due_at__lte=now)),
        )
        .order_by()
    )
    levels = [filters.level] if filters.level is not None else list(Level.values)
    empty = {"open": 0, "unassigned": 0, "at_risk": 0, "breached": 0}
    matrix = {level: {priority: 0 for priority in Priority.values} for level in levels}
    per_level = {level: dict(empty) for level in levels}
    for row in rows:
        if row["level"] not in matrix:
            continue
        matrix[row["level"]][row["priority"]] = row["open"]
        for key in empty:
            per_level[row["level"]][key] += row[key]
    totals = {key: sum(level[key] for level in per_level.values()) for key in empty}
    return {"matrix": matrix, "per_level": per_level, "totals": totals, "oldest": oldest_open_per_level(filters)}
