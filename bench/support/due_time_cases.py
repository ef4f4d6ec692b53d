"""The inputs of the due-time benches and how one call is timed: start instants spread over
a year, runs with three pauses between them, and the median and p90 of one call (bench/due_times.py,
and the due-time part of bench/sla_sweep.py)."""

import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)
HOLIDAY_COUNT = 30


def random_instants(rng: random.Random, count: int) -> list[datetime]:
    return [YEAR_START + timedelta(seconds=rng.uniform(0, YEAR.total_seconds())) for _ in range(count)]


def three_pauses(rng: random.Random, start: datetime) -> list[tuple[datetime, datetime | None]]:
    """Four runs of up to two days with three pauses of up to a day between them; the last open."""
    runs: list[tuple[datetime, datetime | None]] = []
    at = start
    for _ in range(3):
        end = at + timedelta(hours=rng.uniform(0, 48))
        runs.append((at, end))
        at = end + timedelta(hours=rng.uniform(0, 24))
    runs.append((at, None))
    return runs


def measure(call: Callable[[object], object], inputs: list) -> tuple[float, float]:
    """Median and p90 of one call, in microseconds, after a short warm-up."""
    for argument in inputs[:200]:
        call(argument)
    timings = []
    clock = time.perf_counter_ns
    for argument in inputs:
        began = clock()
        call(argument)
        timings.append(clock() - began)
    deciles = statistics.quantiles(timings, n=10)
    return statistics.median(timings) / 1000, deciles[8] / 1000
