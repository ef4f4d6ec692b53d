"""Every ticket write maintains every index of the table: each one must earn its place."""

import pytest
from django.db import connection

from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Ticket._meta.db_table)
    return {name: info["columns"] for name, info in constraints.items() if info["index"] and not info["primary_key"]}


@pytest.mark.parametrize("field", [f.name for f in Ticket._meta.get_fields() if f.many_to_one and f.concrete])
def test_each_foreign_key_leads_exactly_one_index(field):
    """Deleting a person or a category finds their tickets through an index, and no
    foreign key carries a second index that one leading with it already covers."""
    column = Ticket._meta.get_field(field).column
    leading = sorted(name for name, columns in _indexes().items() if columns and columns[0] == column)
    assert len(leading) == 1, leading


def test_the_list_sorted_by_resolution_reads_an_index_with_unresolved_last():
    """The All tickets list, newest resolved first and unresolved last, has its own
    index on PostgreSQL (made by the migration, as SQLite cannot declare it)."""
    if connection.vendor != "postgresql":
        pytest.fail("the suite runs on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'ticket_list_resolved_idx'")
        [(definition,)] = cursor.fetchall()
    assert "resolved_at DESC NULLS LAST, id DESC" in definition
