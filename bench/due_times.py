"""Time taken to compute SLA due times on business-hours calendars.

Run from the project root: ``.venv/bin/python bench/due_times.py [--calls N] [--seed S]``.
Plain Python, no Django or database. Each case computes a due time from random start
instants spread over one year, on Jakarta office hours (Monday to Friday 08:00-17:00) with
30 Indonesian holidays, or around the clock for P1, and prints the median and p90 of one
call in microseconds.
"""

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sla.calendars import BusinessCalendar, due_from_runs, indonesian_holidays  # noqa: E402

YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)
HOLIDAY_COUNT = 30
BUSINESS_DAY = timedelta(hours=9)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000, help="timed calls per case (default 20000)")
    parser.add_argument("--seed", type=int, default=2026, help="seed for the random start instants")
    return parser.parse_args()


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


def main() -> int:
    options = arguments()
    rng = random.Random(options.seed)
    holidays = sorted(indonesian_holidays([2026, 2027]))[:HOLIDAY_COUNT]
    office = BusinessCalendar.office_hours("Asia/Jakarta", holidays=holidays)
    around_the_clock = BusinessCalendar.around_the_clock("Asia/Jakarta")
    starts = random_instants(rng, options.calls)
    runs = [three_pauses(rng, start) for start in starts]

    cases: list[tuple[str, Callable[[object], object], list]] = [
        ("add P1 4 h, 24x7", lambda start: around_the_clock.add(start, timedelta(hours=4)), starts),
        ("add P4 response 1 business day (9 h)", lambda start: office.add(start, BUSINESS_DAY), starts),
        ("add P4 resolution 5 business days (45 h)", lambda start: office.add(start, 5 * BUSINESS_DAY), starts),
        ("due_from_runs 45 h, 3 pauses", lambda case: due_from_runs(office, case, 5 * BUSINESS_DAY), runs),
    ]
    print(f"Office hours Mon-Fri 08:00-17:00 Asia/Jakarta, {len(office.holidays)} holidays; {options.calls} calls each")
    print(f"{'case':<44} {'median µs':>10} {'p90 µs':>10}")
    for name, call, inputs in cases:
        median, p90 = measure(call, inputs)
        print(f"{name:<44} {median:>10.1f} {p90:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
