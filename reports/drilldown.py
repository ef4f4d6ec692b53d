"""Links from a report's figures to the ticket list (tickets:list) filtered to exactly the
tickets each figure counts: the report's scope (level, category, agent as the assignee)
and its period as instants in the report's time zone."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.http import QueryDict
from django.urls import reverse

from .selectors import ReportFilters


def _query(**params) -> str:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        if value is not None:
            query[key] = value.isoformat() if isinstance(value, datetime) else str(value)
    return query.urlencode()


@dataclass
class ReportLinks:
    filters: ReportFilters
    url: str = field(default_factory=lambda: reverse("tickets:list"))

    @property
    def _scope(self) -> dict:
        return {"level": self.filters.level, "category": self.filters.category_id, "assignee": self.filters.agent_id}

    @property
    def scope(self) -> str:
        return _query(**self._scope)

    @property
    def scope_no_agent(self) -> str:
        return _query(**{**self._scope, "assignee": None})

    @property
    def scope_no_level(self) -> str:
        return _query(**{**self._scope, "level": None})

    @property
    def created_no_category(self) -> str:
        return _query(
            **{**self._scope, "category": None}, created_after=self.filters.since, created_before=self.filters.until
        )

    @property
    def resolved_no_level(self) -> str:
        return _query(
            **{**self._scope, "level": None}, resolved_after=self.filters.since, resolved_before=self.filters.until
        )

    @property
    def created(self) -> str:
        return _query(**self._scope, created_after=self.filters.since, created_before=self.filters.until)

    @property
    def created_no_level(self) -> str:
        return _query(
            **{**self._scope, "level": None}, created_after=self.filters.since, created_before=self.filters.until
        )

    @property
    def responded_no_level(self) -> str:
        return _query(
            **{**self._scope, "level": None}, responded_after=self.filters.since, responded_before=self.filters.until
        )

    def _worked(self, **changes) -> str:
        """Tickets with time recorded in the period: by the report's agent when one is
        chosen (the time they recorded, not the tickets they hold), at the tickets' level
        and category now."""
        params = {
            **self._scope,
            "assignee": None,
            "worked_after": self.filters.since,
            "worked_before": self.filters.until,
            "worked_by": self.filters.agent_id,
        }
        return _query(**{**params, **changes})

    @property
    def worked(self) -> str:
        return self._worked()

    @property
    def worked_no_agent(self) -> str:
        return self._worked(worked_by=None)

    @property
    def worked_no_level(self) -> str:
        return self._worked(level=None)

    @property
    def worked_no_category(self) -> str:
        return self._worked(category=None)

    def _rated(self, **changes) -> str:
        """Tickets rated in the period, scoped as the satisfaction figures are: by the agent,
        level and category kept on each rating (not the ticket's now)."""
        params = {
            "rated_after": self.filters.since,
            "rated_before": self.filters.until,
            "rated_agent": self.filters.agent_id,
            "rated_level": self.filters.level,
            "rated_category": self.filters.category_id,
        }
        return _query(**{**params, **changes})

    @property
    def rated(self) -> str:
        return self._rated()

    @property
    def rated_no_agent(self) -> str:
        return self._rated(rated_agent=None)

    @property
    def rated_no_level(self) -> str:
        return self._rated(rated_level=None)

    @property
    def rated_no_category(self) -> str:
        return self._rated(rated_category=None)

    @property
    def resolved(self) -> str:
        return _query(**self._scope, resolved_after=self.filters.since, resolved_before=self.filters.until)

    @property
    def resolved_no_agent(self) -> str:
        return _query(
            **{**self._scope, "assignee": None}, resolved_after=self.filters.since, resolved_before=self.filters.until
        )

    def days(self) -> dict:
        """Per day of the range: the list of tickets created, and resolved, that day."""
        links = {}
        for day in self.filters.days:
            start = datetime.combine(day, datetime.min.time(), tzinfo=self.filters.zone)
            end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=self.filters.zone)
            links[day] = {
                "created": _query(**self._scope, created_after=start, created_before=end),
                "resolved": _query(**self._scope, resolved_after=start, resolved_before=end),
            }
        return links
