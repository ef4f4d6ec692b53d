"""Wall time and SQL queries of a bulk action on 500 tickets, beside the same tickets
changed one by one through the single-ticket service, in one run, on a large dataset.

Run from the project root: ``.venv/bin/python bench/bulk_actions.py [--tickets N] [--reseed]``.
It uses its own database (``BENCH_DATABASE_URL``, default helpdesk_bench_bulk), seeded
like bench/queue_pages.py's (only when it holds fewer tickets than asked for). Each run
puts the chosen tickets back (an untimed UPDATE), then times: a bulk priority change, the
same change one ticket at a time, a bulk escalation with one reason, and the same
escalation one ticket at a time. Every change is committed, as a person's would be.
"""

import argparse
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.queue_pages import dataset_ensure  # noqa: E402
from bench.support.database import django_on_bench_database  # noqa: E402
from bench.support.machine import load  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_bulk"
# Tickets made by the demo generator (with their comments, events and SLA clocks); the rest
# of the dataset copies their rows in bulk INSERT … SELECT statements of CLONE_CHUNK rows.
GENERATED = 50_000
CLONE_CHUNK = 100_000
REASON = "Needs the network team"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=int(os.environ.get("BENCH_TICKETS", "1000000")))
    parser.add_argument("--batch", type=int, default=500, help="tickets per bulk action (default 500)")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")), help="timed rounds")
    parser.add_argument("--reseed", action="store_true", help="truncate tickets and seed again")
    parser.add_argument("--seed-only", action="store_true", help="seed the dataset and stop")
    return parser.parse_args()


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def dataset_fill(*, tickets: int, reseed: bool) -> None:
    """bench/queue_pages.py's generated dataset up to GENERATED tickets, then copies of
    those rows (the tickets the bench changes are among the generated ones)."""
    from django.db import connection

    from tickets.models import Ticket

    dataset_ensure(tickets=min(tickets, GENERATED), reseed=reseed, vacuum=False)
    table = connection.ops.quote_name(Ticket._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(field.column) for field in Ticket._meta.concrete_fields if not field.primary_key
    )
    existing = Ticket.objects.count()
    started = time.perf_counter()
    while existing < tickets:
        size = min(CLONE_CHUNK, tickets - existing, existing)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table} ORDER BY id LIMIT %s",  # noqa: S608
                [size],
            )
        existing += size
        print(f"  {existing:,} tickets ({time.perf_counter() - started:.0f} s, copied rows)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def timed(work) -> tuple[float, int]:
    """Seconds and SQL queries of ``work()``."""
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
    return seconds, counter.count


def main() -> int:
    args = arguments()
    django_on_bench_database("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)

    from django.contrib.auth import get_user_model
    from django.db import connection

    from accounts.choices import Level
    from tickets.choices import Impact, Status, Urgency, priority_for
    from tickets.models import Category, Ticket
    from tickets.services import ticket_escalate, ticket_reclassify, tickets_bulk_apply

    dataset_fill(tickets=args.tickets, reseed=args.reseed)
    if args.seed_only:
        return 0
    by = get_user_model().objects.get(username="supervisor")
    chosen = list(
        Ticket.objects.filter(level=Level.I, status__in=[Status.NEW, Status.OPEN, Status.PENDING])
        .filter(pk__lte=GENERATED)
        .order_by("pk")
        .values_list("pk", "status", "impact", "urgency", "assignee_id", "category_id")[: args.batch]
    )
    if len(chosen) < args.batch:
        print(f"Only {len(chosen)} open Level I tickets; {args.batch} are needed.", file=sys.stderr)
        return 1
    ids = [row[0] for row in chosen]
    # Each ticket keeps its category, as the bulk action keeps it.
    categories = {row[0]: Category(pk=row[5]) if row[5] else None for row in chosen}
    references = [Ticket(pk=pk).reference for pk in ids]

    def put_back() -> None:
        # Untimed: every chosen ticket open at Level I again, as it was when chosen.
        Ticket.objects.filter(pk__in=ids).update(
            level=Level.I, status=Status.OPEN, assignee=None, impact=Impact.MEDIUM, urgency=Urgency.MEDIUM, priority=3
        )

    pairs = [(Impact.HIGH, Urgency.HIGH), (Impact.LOW, Urgency.LOW)]
    figures: dict[str, list[tuple[float, int]]] = {
        key: [] for key in ("priority bulk", "priority one by one", "escalate bulk", "escalate one by one")
    }
    total = Ticket.objects.count()
    print()
    print(f"Database      {connection.settings_dict['NAME']}: {total:,} tickets")
    print(f"Batch         {args.batch} open Level I tickets, as {by.username}; {args.runs} rounds")
    print(f"Machine       CPUs: {os.cpu_count()}, load: {load()}")
    print()

    def bulk(action: str, params: dict) -> None:
        outcomes = tickets_bulk_apply(by=by, references=references, action=action, params=params)
        refused = [outcome.message for outcome in outcomes if not outcome.done]
        assert not refused, refused[:3]

    def one_by_one_priority(impact: str, urgency: str) -> None:
        for pk, category in categories.items():
            ticket_reclassify(ticket_id=pk, by=by, impact=impact, urgency=urgency, category=category)

    def one_by_one_escalate() -> None:
        for pk in ids:
            ticket_escalate(ticket_id=pk, by=by, reason=REASON)

    for round_number in range(args.runs):
        put_back()
        # The same change both ways: every ticket from medium × medium to the round's pair.
        impact, urgency = pairs[round_number % 2]
        wanted = priority_for(impact=impact, urgency=urgency)
        figures["priority bulk"].append(timed(partial(bulk, "priority", {"impact": impact, "urgency": urgency})))
        assert Ticket.objects.filter(pk__in=ids, priority=wanted).count() == len(ids)
        put_back()
        figures["priority one by one"].append(timed(partial(one_by_one_priority, impact, urgency)))
        assert Ticket.objects.filter(pk__in=ids, priority=wanted).count() == len(ids)
        put_back()
        figures["escalate bulk"].append(timed(partial(bulk, "escalate", {"reason": REASON})))
        assert Ticket.objects.filter(pk__in=ids, level=Level.II).count() == len(ids)
        put_back()
        figures["escalate one by one"].append(timed(one_by_one_escalate))
        assert Ticket.objects.filter(pk__in=ids, level=Level.II).count() == len(ids)
        print(
            f"  round {round_number + 1}: " + ", ".join(f"{key} {runs[-1][0]:.2f} s" for key, runs in figures.items()),
            flush=True,
        )
    put_back()
    # The tickets' original statuses and assignees back, so reruns choose the same tickets.
    for pk, status, impact, urgency, assignee, _category in chosen:
        Ticket.objects.filter(pk=pk).update(
            status=status,
            assignee_id=assignee,
            impact=impact,
            urgency=urgency,
            priority=priority_for(impact=impact, urgency=urgency),
        )

    print()
    header = f"{'action':<22}  {'median s':>8}  {'tickets/s':>9}  {'queries':>7}  {'queries/ticket':>14}"
    print(header)
    print("-" * len(header))
    for key, runs in figures.items():
        median = statistics.median(seconds for seconds, _queries in runs)
        queries = runs[-1][1]
        print(f"{key:<22}  {median:>8.2f}  {args.batch / median:>9.0f}  {queries:>7}  {queries / args.batch:>14.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
