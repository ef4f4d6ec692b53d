"""Nearest-rank percentiles in SQL: PostgreSQL's percentile_disc, window functions elsewhere."""

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Value, Window
from django.db.models.functions import Ceil, RowNumber


class PercentileDisc(Aggregate):
    """PostgreSQL's nearest-rank percentile: the first value whose cumulative share
    reaches ``fraction`` (the value at rank ceil(fraction x n))."""

    function = "percentile_disc"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float, **extra) -> None:
        if not 0 < fraction <= 1:
            raise ValueError("fraction must be in (0, 1]")
        super().__init__(expression, fraction=repr(float(fraction)), output_field=DurationField(), **extra)


def percentiles(
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
