"""Time spent in a period: the time entries staff recorded in it (``ended_at`` in the
range: a timer counts when it was stopped, typed time when it was typed), overall and per
agent, level, category and ticket. Level and category are the ticket's now; the agent
filter picks the time that agent recorded (not the tickets assigned to them). Each figure
is one aggregate query over the entries' report index.

- *Minutes*: the time recorded, in whole minutes.
- *Entries*: how many times time was recorded.
- *Tickets*: how many different tickets the time was spent on.
"""

from collections.abc import Iterator

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext

from accounts.choices import Level
from tickets.models import TimeEntry, reference_for

from .scope import ReportFilters

MEASURES = {"minutes": Sum("minutes"), "entries": Count("id"), "tickets": Count("ticket_id", distinct=True)}
# Tickets the page lists: those with the most time; the CSV export has every one.
TICKETS_SHOWN = 20


def time_in_range(filters: ReportFilters) -> QuerySet[TimeEntry]:
    entries = TimeEntry.objects.filter(ended_at__gte=filters.since, ended_at__lt=filters.until)
    if filters.level is not None:
        entries = entries.filter(ticket__level=filters.level)
    if filters.category_id is not None:
        entries = entries.filter(ticket__category_id=filters.category_id)
    if filters.agent_id is not None:
        entries = entries.filter(agent_id=filters.agent_id)
    return entries.order_by()


def _figures(row: dict) -> dict:
    return {"minutes": row["minutes"] or 0, "entries": row["entries"], "tickets": row["tickets"]}


def _person(row: dict) -> str:
    name = " ".join(filter(None, [row["agent__first_name"], row["agent__last_name"]]))
    return name or row["agent__username"]


def time_per_ticket(filters: ReportFilters, *, limit: int | None = None) -> Iterator[dict]:
    """Per ticket, the most time first (one query, streamed in chunks when unlimited)."""
    rows = (
        time_in_range(filters)
        .values("ticket_id", "ticket__subject", "ticket__level")
        .annotate(**MEASURES)
        .order_by("-minutes", "ticket_id")
    )
    chosen = rows[:limit] if limit is not None else rows.iterator(chunk_size=2000)
    for row in chosen:
        yield {
            "ticket_id": row["ticket_id"],
            "reference": reference_for(row["ticket_id"]),
            "label": row["ticket__subject"],
            "level": row["ticket__level"],
            **_figures(row),
        }


def time_figures(filters: ReportFilters) -> dict:
    """Overall, per agent, per level, per category and the tickets with the most time
    (five queries, whatever the data)."""
    entries = time_in_range(filters)
    totals = _figures(entries.aggregate(**MEASURES))
    agents = [
        {"agent_id": row["agent_id"], "label": _person(row), **_figures(row)}
        for row in entries.values("agent_id", "agent__first_name", "agent__last_name", "agent__username")
        .annotate(**MEASURES)
        .order_by("-minutes", "agent__first_name", "agent__username", "agent_id")
    ]
    levels = [
        {"level": row["ticket__level"], "label": str(Level(row["ticket__level"]).label), **_figures(row)}
        for row in entries.values("ticket__level").annotate(**MEASURES).order_by("ticket__level")
    ]
    categories = [
        {
            "category_id": row["ticket__category_id"],
            "label": gettext(row["ticket__category__name"])
            if row["ticket__category__name"]
            else gettext("No category"),
            **_figures(row),
        }
        for row in entries.values("ticket__category_id", "ticket__category__name")
        .annotate(**MEASURES)
        .order_by("-minutes", "ticket__category__name")
    ]
    tickets = list(time_per_ticket(filters, limit=TICKETS_SHOWN))
    return {"totals": totals, "agents": agents, "levels": levels, "categories": categories, "tickets": tickets}
