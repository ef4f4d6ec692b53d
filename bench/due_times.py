"""Time taken to compute SLA due times on business-hours calendars.

Run from the project root: ``.venv/bin/python bench/due_times.py [--calls N] [--seed S]``.
Plain Python, no Django or database. Each case computes a due time from random start
instants spread over one year, on Jakarta office hours (Monday to Friday 08:00-17:00) with
30 Indonesian holidays, or around the clock for P1, and prints the median and p90 of one
call in microseconds.
"""

import argparse
import random
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support.due_time_cases import HOLIDAY_COUNT, measure, random_instants, three_pauses  # noqa: E402
from sla.calendars import BusinessCalendar, due_from_runs, indonesian_holidays  # noqa: E402

BUSINESS_DAY = timedelta(hours=9)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000, help="timed calls per case (default 20000)")
    parser.add_argument("--seed", type=int, default=2026, help="seed for the random start instants")
    return parser.parse_args()


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
