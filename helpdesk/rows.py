"""Model instances from the rows of hand-written SQL, where building and compiling the ORM's
query costs more than running it (the API token check, the outbox claim): the ORM's own
instances (``from_db``), with the converters it would apply to each column (dates are
stored as text on SQLite), so they behave as any other."""

from functools import cache
from typing import TypeVar

from django.db import connection
from django.db.models import Model
from django.db.models.expressions import Col

M = TypeVar("M", bound=Model)


def model_from_row(model: type[M], row) -> M:
    """An instance of ``model`` from a row holding its concrete columns, in their order."""
    names, converters = _converters(model, connection.vendor)
    values = list(row)
    for index, column, functions in converters:
        for function in functions:
            values[index] = function(values[index], column, connection)
    return model.from_db(connection.alias, names, values)


@cache
def _converters(model: type[Model], vendor: str) -> tuple[list[str], list[tuple[int, Col, list]]]:
    table = model._meta.db_table
    found = []
    for index, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            found.append((index, column, converters))
    return [field.attname for field in model._meta.concrete_fields], found
