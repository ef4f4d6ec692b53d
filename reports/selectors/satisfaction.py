"""Satisfaction figures of a period: the ratings requesters gave in it (``rated_at`` in
the range; a rating changed later counts in the period of its latest change), overall and
per agent, level and category. Each is one aggregate query over the ratings' own columns:
the agent, level and category are kept on the rating as they were when it was given.

- *Ratings*: how many tickets were rated.
- *Average*: the mean score from 1 to 5 ("good" counts 5 and "bad" 1 on the two-point scale).
- *Satisfied*: the share of ratings of 4 or 5 ("good"), the usual CSAT figure.
- *Low*: ratings of 1 or 2 ("bad"), the ones that alerted a supervisor.
"""

from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext

from accounts.choices import Level
from satisfaction.choices import LOW_UP_TO, SATISFIED_FROM
from satisfaction.models import Rating

from .scope import ReportFilters, pct

MEASURES = {
    "ratings": Count("id"),
    "average": Avg("score"),
    "satisfied": Count("id", filter=Q(score__gte=SATISFIED_FROM)),
    "low": Count("id", filter=Q(score__lte=LOW_UP_TO)),
}


def ratings_in_range(filters: ReportFilters) -> QuerySet[Rating]:
    ratings = Rating.objects.filter(rated_at__gte=filters.since, rated_at__lt=filters.until)
    if filters.level is not None:
        ratings = ratings.filter(level=filters.level)
    if filters.category_id is not None:
        ratings = ratings.filter(category_id=filters.category_id)
    if filters.agent_id is not None:
        ratings = ratings.filter(agent_id=filters.agent_id)
    return ratings.order_by()


def _figures(row: dict) -> dict:
    average = row.get("average")
    return {
        "ratings": row["ratings"],
        "average": round(float(average), 2) if average is not None else None,
        "satisfied": row["satisfied"],
        "satisfied_pct": pct(row["satisfied"], row["ratings"]),
        "low": row["low"],
    }


def satisfaction_figures(filters: ReportFilters) -> dict:
    """Overall, per agent, per level and per category (four queries, whatever the data)."""
    ratings = ratings_in_range(filters)
    totals = _figures(ratings.aggregate(**MEASURES))
    agents = [
        {
            "agent_id": row["agent_id"],
            "label": " ".join(filter(None, [row["agent__first_name"], row["agent__last_name"]]))
            or row["agent__username"]
            or gettext("Nobody"),
            **_figures(row),
        }
        for row in ratings.values("agent_id", "agent__first_name", "agent__last_name", "agent__username")
        .annotate(**MEASURES)
        .order_by("agent__first_name", "agent__username", "agent_id")
    ]
    levels = [
        {"level": row["level"], "label": str(Level(row["level"]).label), **_figures(row)}
        for row in ratings.values("level").annotate(**MEASURES).order_by("level")
    ]
    categories = [
        {
            "category_id": row["category_id"],
            "label": gettext(row["category__name"]) if row["category__name"] else gettext("No category"),
            **_figures(row),
        }
        for row in ratings.values("category_id", "category__name").annotate(**MEASURES).order_by("category__name")
    ]
    return {"totals": totals, "agents": agents, "levels": levels, "categories": categories}
