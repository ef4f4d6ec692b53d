"""Automatic assignment of a burst: 5,000 tickets entering Level I among 50 agents.

Run from the project root: ``.venv/bin/python bench/assignment_burst.py [--tickets N]
[--agents N]``. It uses its own database (``BENCH_ROUTING_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/helpdesk_bench_routing), creates and migrates it when
needed, and seeds it (the agents as members of Level I, and the tickets filed in bulk with
their SLA columns and clocks by ``tickets_create_batch`` before each run, unassigned,
with four urgencies) only when it does not hold what was asked for.

Each timed run hands every waiting ticket out with the run a worker makes when tickets
enter a level (routing.services.level_assign_waiting: each ticket claimed with SKIP
LOCKED, the agents' loads read, the chosen agent's row locked and the cap checked, the
assignment through ticket_assign_automatically with its audit events and SLA refresh, one
committed transaction per ticket), for round-robin and least-loaded in turn; afterwards
the run's tickets are closed (the audit trail is append-only, so each run files its own). Printed: the median run in tickets per second and
the queries per assignment. Side by side, in the same process: the same tickets assigned
one by one through ``ticket_assign`` by a supervisor (what a person or a script calling the
API does), which is the floor the policy's own work is added to.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support.database import django_on_bench_database  # noqa: E402
from bench.support.machine import load  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_routing"
AGENT_PREFIX = "bench-agent-"


class QueryCounter:
    """Counts the statements sent to the database (BEGIN, COMMIT and savepoints aside)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        from django.db import connection

        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._wrapper.__exit__(*exc)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=int(os.environ.get("BENCH_TICKETS", "5000")))
    parser.add_argument("--agents", type=int, default=int(os.environ.get("BENCH_AGENTS", "50")))
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")), help="timed runs each")
    return parser.parse_args()


def dataset_ensure(agents: int):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import transaction

    from accounts.choices import Role
    from accounts.models import SupportLevel
    from routing.models import AssignmentPolicy
    from tests.factories import make_requester, make_supervisor

    User = get_user_model()
    AssignmentPolicy.objects.filter(level=1).delete()  # filing tickets: nobody assigns them yet
    requester = make_requester(username="bench-requester")
    supervisor = make_supervisor(username="bench-supervisor")
    if User.objects.filter(username__startswith=AGENT_PREFIX).count() != agents:
        print(f"Seeding {agents} agents…")
        with transaction.atomic():
            User.objects.bulk_create(
                [
                    User(
                        username=f"{AGENT_PREFIX}{n:03d}",
                        email=f"{AGENT_PREFIX}{n:03d}@example.com",
                        first_name=f"Agent {n}",
                    )
                    for n in range(agents)
                ],
                ignore_conflicts=True,
            )
            made = list(User.objects.filter(username__startswith=AGENT_PREFIX))
            Group.objects.get(name=Role.AGENT).user_set.add(*made)
            SupportLevel.objects.get(number=1).members.add(*made)
    return requester, supervisor


def burst_file(requester, tickets: int) -> None:
    """Close what earlier runs left open, and file a fresh burst of unassigned tickets."""
    from django.db import connection, transaction

    from routing.models import AgentProfile, AssignmentPolicy
    from tickets.models import Ticket
    from tickets.services.batch import NewTicket, tickets_create_batch

    AssignmentPolicy.objects.filter(level=1).delete()
    Ticket.objects.filter(requester=requester).exclude(status="closed").update(status="closed")
    AgentProfile.objects.update(turn=0, last_assigned_at=None)
    urgencies = ["high", "medium", "medium", "low"]
    with transaction.atomic():
        tickets_create_batch(
            requester=requester,
            tickets=[
                NewTicket(subject=f"Burst {n}", description="x", level=1, impact="low", urgency=urgencies[n % 4])
                for n in range(tickets)
            ],
        )
    with connection.cursor() as cursor:
        for table in ("tickets_ticket", "tickets_ticketevent", "routing_agentprofile", "sla_slaclock"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def policy_timed(method: str, tickets: int, requester) -> tuple[float, int]:
    from routing.models import AssignmentPolicy
    from routing.services import level_assign_waiting

    burst_file(requester, tickets)
    AssignmentPolicy.objects.update_or_create(level=1, defaults={"method": method, "cap": None})
    with QueryCounter() as queries:
        started = time.perf_counter()
        given = level_assign_waiting(level=1)
        elapsed = time.perf_counter() - started
    if given != tickets:
        raise SystemExit(f"assigned {given} tickets, expected {tickets}")
    return elapsed, queries.count


def by_hand_timed(tickets: int, requester, supervisor) -> tuple[float, int]:
    from django.contrib.auth import get_user_model

    from tickets.models import Ticket
    from tickets.services import ticket_assign

    burst_file(requester, tickets)
    agents = list(get_user_model().objects.filter(username__startswith=AGENT_PREFIX).order_by("pk"))
    ids = list(
        Ticket.objects.filter(requester=requester)
        .exclude(status="closed")
        .order_by("priority", "created_at", "pk")
        .values_list("pk", flat=True)
    )
    with QueryCounter() as queries:
        started = time.perf_counter()
        for n, ticket_id in enumerate(ids):
            ticket_assign(ticket_id=ticket_id, by=supervisor, assignee=agents[n % len(agents)])
        elapsed = time.perf_counter() - started
    return elapsed, queries.count


def main() -> None:
    args = arguments()
    url = django_on_bench_database("BENCH_ROUTING_DATABASE_URL", DEFAULT_DATABASE_URL)
    requester, supervisor = dataset_ensure(args.agents)
    print(f"Database: {url.rsplit('@', 1)[-1]}; {args.tickets:,} tickets, {args.agents} agents; load {load()}")
    from routing.choices import AssignmentMethod

    for method in (AssignmentMethod.ROUND_ROBIN, AssignmentMethod.LEAST_LOADED):
        times = []
        queries = 0
        for run in range(args.runs):
            seconds, queries = policy_timed(method, args.tickets, requester)
            times.append(seconds)
            print(
                f"  {method} run {run + 1}: {seconds:.2f} s, {args.tickets / seconds:,.0f} tickets/s, {queries} queries"
            )
        median = statistics.median(times)
        print(
            f"{method}: median {median:.2f} s = {args.tickets / median:,.0f} tickets/s, "
            f"{queries / args.tickets:.1f} queries per assignment"
        )
    seconds, queries = by_hand_timed(args.tickets, requester, supervisor)
    print(
        f"Side by side, ticket_assign one by one by a supervisor: {seconds:.2f} s = "
        f"{args.tickets / seconds:,.0f} tickets/s, {queries / args.tickets:.1f} queries per assignment"
    )


if __name__ == "__main__":
    main()
