"""The filtered ticket list, streamed as rows for the CSV export."""

from collections.abc import Iterator
from datetime import datetime

from django.db import connection
from django.db.models import CharField, F, Func, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from .scope import ReportFilters, created_in_range

# The moments of each ticket the export shows, as "YYYY-MM-DD HH:MM" in the report's time
# zone (what a spreadsheet reads as a date and time).
MOMENT_FIELDS = ("created_at", "first_response_at", "first_response_due_at", "resolved_at", "resolution_due_at")
MOMENT_FORMAT = "%Y-%m-%d %H:%M"
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
    *(f"{field}_text" for field in MOMENT_FIELDS),
)


class LocalMinute(Func):
    """A moment written by PostgreSQL as "YYYY-MM-DD HH:MM" in a time zone: the export
    streams tens of thousands of rows, and text needs no converting on the way to the
    file, where every timestamp would otherwise be parsed in Python and formatted again."""

    function = "to_char"
    arg_joiner = " AT TIME ZONE "
    template = "%(function)s(%(expressions)s, 'YYYY-MM-DD HH24:MI')"
    output_field = CharField()

    def __init__(self, expression, *, zone: str) -> None:
        super().__init__(expression, Value(zone))


def _person_name(relation: str) -> Coalesce:
    """A person's name as ``str(user)`` gives it (full name, else login name), in SQL."""
    full_name = Trim(Concat(F(f"{relation}__first_name"), Value(" "), F(f"{relation}__last_name")))
    return Coalesce(NullIf(full_name, Value("")), F(f"{relation}__username"), output_field=CharField())


def tickets_for_export(filters: ReportFilters) -> Iterator[tuple]:
    """The tickets created in range, oldest first, streamed from the database in chunks;
    people by name, moments in the report's time zone. PostgreSQL writes the moments as
    text itself; other databases' rows are written here."""
    in_database = connection.vendor == "postgresql"
    moments = {
        f"{field}_text": LocalMinute(F(field), zone=filters.time_zone) if in_database else F(field)
        for field in MOMENT_FIELDS
    }
    rows = (
        created_in_range(filters)
        .annotate(requester_name=_person_name("requester"), assignee_name=_person_name("assignee"), **moments)
        .order_by("created_at", "id")
        .values_list(*TICKET_EXPORT_FIELDS)
        .iterator(chunk_size=2000)
    )
    if in_database:
        return rows
    zone = filters.zone
    first = len(TICKET_EXPORT_FIELDS) - len(MOMENT_FIELDS)
    return (
        (*row[:first], *(_local_minute(value, zone) for value in row[first:]))  # one row at a time, as it streams
        for row in rows
    )


def _local_minute(moment: datetime | None, zone) -> str | None:
    return None if moment is None else moment.astimezone(zone).strftime(MOMENT_FORMAT)
