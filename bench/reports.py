"""Server time and SQL query count of the supervisor's reports page on a large PostgreSQL dataset.

Run from the project root: ``.venv/bin/python bench/reports.py [--tickets N] [--reseed] [--explain]``.
It uses its own database (``BENCH_REPORTS_DATABASE_URL``), creates and migrates it when needed
and seeds it with set-based SQL (INSERT … SELECT FROM generate_series) only when it does not
hold the dataset asked for, so reruns go straight to the measurements.

The dataset: two years of tickets up to the moment of seeding, as many every day, ids in
creation order (as a live helpdesk writes them). About one in twenty is still open (new, open
or pending): those still being worked on, and a stale backlog that thins out over the months;
the rest are resolved (closed three days later). Each ticket has a channel, a category (most of them
Level I ones; a few none), a priority, a requester among a thousand people, and an assignee
among 30 agents who are members of its level. First responses and resolutions are drawn
around each priority's targets, so most meet their due time and some miss it. The audit trail
holds a ``created`` event per ticket (to its starting level), ``escalated`` events for about
one ticket in five (I to II, some II to III), ``de_escalated`` ones for a few per cent and a
``resolved`` event per finished ticket; the ticket's level is where those events leave it.

Measured as a supervisor with DEBUG off, for the 30 days ending on the data's newest day (in
the supervisor's time zone): the reports page with a cold cache (cleared before each request)
and a warm one, the live partial and the streamed CSV of the period's tickets. Exits 1 when a
page does not answer 200 or its query count depends on the run or the length of the period.
"""

import argparse
import math
import os
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from queue_pages import django_on_bench_database, load  # noqa: E402  (bench/ is on sys.path)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_reports"
TARGET_MS = 300.0
RANGE_DAYS = 30
# Other period lengths the cold page's query count is taken on: it must not change.
OTHER_RANGES = (7, 365)
HISTORY_DAYS = 730
OPEN_SHARE = 0.05
# The stale part of the open backlog thins out with age: 1/e of it is older than this (days).
STALE_DAYS = 90
# Agents per level, counting the demo agents agent1, agent2 and agent3.
AGENTS_PER_LEVEL = {1: 15, 2: 10, 3: 5}
BENCH_REQUESTERS = 1000
# Wall-clock stand-ins for each priority's targets (first response, resolution).
FIRST_RESPONSE_TARGETS = ["15 minutes", "1 hour", "4 hours", "8 hours"]
RESOLUTION_TARGETS = ["4 hours", "1 day", "3 days", "5 days"]
# Shares out of 100 (each list becomes a 100-slot lookup array in the seeding SQL).
PRIORITY_WEIGHTS = {1: 3, 2: 12, 3: 40, 4: 45}
CHANNEL_WEIGHTS = {"web": 45, "email": 25, "phone": 15, "chat": 8, "sms": 4, "api": 3}
CATEGORY_WEIGHTS = {
    "Password and account": 20,
    "Email": 15,
    "Printer and scanner": 10,
    "PC and laptop": 13,
    "Software installation": 8,
    "Procurement request": 5,
    "Network and Wi-Fi": 9,
    "Server down": 3,
    "Server performance": 3,
    "Backup and restore": 3,
    "Hosting and control panel": 3,
    "Critical system failure": 2,
    "Hardware repair or replacement": 2,
}  # the remaining 4 slots: no category
AGENT_NAMES = (
    "Agus Bayu Dian Eka Fajar Gita Hadi Indah Kurnia Lestari Made Nur Putri Rizki Sari Teguh Utami Wahyu Yanti "
    "Zainal Arif Bambang Cahya Dewa Endah Fitri Galih"
).split()


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tickets",
        type=int,
        default=int(os.environ.get("BENCH_TICKETS", "1000000")),
        help="tickets in the dataset (default: env BENCH_TICKETS or 1000000)",
    )
    parser.add_argument("--reseed", action="store_true", help="truncate tickets and seed again")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "15")), help="timed requests")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests before each measurement")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print EXPLAIN (ANALYZE, BUFFERS) of the cold page's slowest queries",
    )
    parser.add_argument(
        "--explain-over-ms", type=float, default=10.0, help="with --explain: queries whose median is over this"
    )
    args = parser.parse_args()
    if args.tickets < 1000:
        parser.error("--tickets must be at least 1000")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


# --- the dataset ---------------------------------------------------------------------


def slots(weights: dict, *, size: int = 100) -> list:
    """A lookup array of ``size`` slots in which each key fills its weight's share."""
    array = [key for key, weight in weights.items() for _i in range(weight)]
    assert len(array) <= size
    return array + [None] * (size - len(array))


def stale_share_today(share: float, history_days: int, stale_days: float) -> float:
    """The share p of today's tickets that stay open (a share p * exp(-age / stale_days) of
    tickets of each age) for ``share`` of all tickets, their ages spread evenly, to be open."""
    mean = stale_days / history_days * (1 - math.exp(-history_days / stale_days))
    return min(1.0, share / mean)


def users_ensure() -> dict[str, list[int]]:
    """The demo accounts, 30 agents (members of their level) and a thousand requesters;
    ids of the agents per level and of the requesters. Existing accounts are left alone."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts.choices import Role
    from accounts.models import SupportLevel
    from tickets.demo import EXTRA_REQUESTERS, demo_users_ensure

    User = get_user_model()
    users = demo_users_ensure(password=os.environ.get("DEMO_PASSWORD", "helpdesk-demo"))
    hashed = make_password(os.environ.get("DEMO_PASSWORD", "helpdesk-demo"))
    groups = {role: Group.objects.get(name=role) for role in (Role.AGENT, Role.REQUESTER)}
    names = iter(AGENT_NAMES)
    wanted = {}
    for level, count in AGENTS_PER_LEVEL.items():
        for number in range(2, count + 1):
            wanted[f"agent{level}-{number:02d}"] = (level, next(names))
    wanted_requesters = [f"requester{number:04d}" for number in range(1, BENCH_REQUESTERS + 1)]
    existing = set(User.objects.filter(username__in=[*wanted, *wanted_requesters]).values_list("username", flat=True))
    new_agents = [
        User(
            username=username,
            email=f"{username}@example.com",
            password=hashed,
            first_name=first,
            last_name=f"L{level}",
        )
        for username, (level, first) in wanted.items()
        if username not in existing
    ]
    new_requesters = [
        User(username=username, email=f"{username}@example.com", password=hashed, first_name="Requester")
        for username in wanted_requesters
        if username not in existing
    ]
    User.objects.bulk_create(new_agents + new_requesters)
    memberships = User.groups.through
    memberships.objects.bulk_create(
        [
            memberships(user_id=user.pk, group_id=groups[Role.AGENT].pk)
            for user in User.objects.filter(username__in=[user.username for user in new_agents])
        ]
        + [
            memberships(user_id=user.pk, group_id=groups[Role.REQUESTER].pk)
            for user in User.objects.filter(username__in=[user.username for user in new_requesters])
        ]
    )
    levels = {level.number: level for level in SupportLevel.objects.all()}
    for level in AGENTS_PER_LEVEL:
        levels[level].members.add(*User.objects.filter(username__startswith=f"agent{level}-"))
    agents = {
        level: [users[f"agent{level}"].pk]
        + list(User.objects.filter(username__startswith=f"agent{level}-").order_by("pk").values_list("pk", flat=True))
        for level in AGENTS_PER_LEVEL
    }
    requesters = [users["requester"].pk, *[users[username].pk for username, *_rest in EXTRA_REQUESTERS]]
    requesters += list(User.objects.filter(username__in=wanted_requesters).order_by("pk").values_list("pk", flat=True))
    return {"agents_1": agents[1], "agents_2": agents[2], "agents_3": agents[3], "requesters": requesters}


PLAN_SQL = """
CREATE TEMP TABLE bench_plan AS
SELECT row_number() OVER (ORDER BY created_at, n) AS id, placed.*,
    start_level + escalations - CASE WHEN de_escalated THEN 1 ELSE 0 END AS level,
    CASE WHEN finished AND resolved_at + interval '3 days' <= %(now)s THEN 'closed'
         WHEN finished THEN 'resolved'
         WHEN open_status = 'finished' THEN 'open'
         ELSE open_status END AS status,
    -- Level moves fall in order between creation and resolution (or now).
    CASE WHEN escalations > 0 THEN LEAST(created_at + (COALESCE(resolved_at, %(now)s) - created_at)
                                         * (0.05 + 0.3 * r_t1), %(now)s - interval '3 minutes') END
        AS escalated_1_at,
    CASE WHEN escalations > 1 THEN LEAST(created_at + (COALESCE(resolved_at, %(now)s) - created_at)
                                         * (0.4 + 0.2 * r_t2), %(now)s - interval '2 minutes') END
        AS escalated_2_at,
    CASE WHEN de_escalated THEN LEAST(created_at + (COALESCE(resolved_at, %(now)s) - created_at)
                                      * (0.65 + 0.3 * r_t3), %(now)s - interval '1 minute') END
        AS de_escalated_at
FROM (
    SELECT timed.*,
        CASE WHEN finished THEN created_at + first_response_taken
             WHEN open_status = 'new' THEN NULL
             ELSE LEAST(created_at + first_response_taken, %(now)s - interval '5 minutes') END
            AS first_response_at
    FROM (
        SELECT taken.*,
            -- A ticket whose work would end after now is still being worked on.
            open_status = 'finished' AND created_at + first_response_taken + resolution_taken
                                         <= %(now)s - interval '1 minute' AS finished,
            CASE WHEN open_status = 'finished' AND created_at + first_response_taken + resolution_taken
                                                   <= %(now)s - interval '1 minute'
                 THEN created_at + first_response_taken + resolution_taken END AS resolved_at
        FROM (
            SELECT moved.*,
                -- Exponential around the target: about one first response in seven is late.
                LEAST(interval '30 days', first_response_target * 0.5 * -ln(1 - r_first_response))
                    AS first_response_taken,
                -- Counted from the first response; escalated tickets take longer.
                LEAST(interval '60 days', resolution_target * 0.4 * -ln(1 - r_resolution)
                                          * (1 + 0.5 * escalations)) AS resolution_taken
            FROM (
                SELECT categorised.*,
                    CASE WHEN open_status = 'new' THEN 0
                         WHEN start_level = 1 AND r_escalate < 0.26 THEN
                              CASE WHEN r_escalate_further < 0.2 THEN 2 ELSE 1 END
                         WHEN start_level = 2 AND r_escalate < 0.12 THEN 1
                         ELSE 0 END AS escalations,
                    r_de_escalate < 0.15 AND open_status <> 'new'
                        AND ((start_level = 1 AND r_escalate < 0.26) OR (start_level = 2 AND r_escalate < 0.12))
                        AS de_escalated
                FROM (
                    SELECT draws.*,
                        -- As many tickets every day. Besides those still being worked on (see
                        -- "finished" below), a stale backlog: the older, the fewer.
                        %(now)s - interval '10 minutes' - r_age * %(history)s * interval '1 day' AS created_at,
                        CASE WHEN r_open >= %(stale_today)s * exp(-r_age * %(history)s / %(stale_days)s)
                             THEN 'finished'
                             WHEN r_age * %(history)s < 2 THEN
                                  CASE WHEN r_status < 0.35 THEN 'new' WHEN r_status < 0.8 THEN 'open'
                                       ELSE 'pending' END
                             WHEN r_status < 0.05 THEN 'new'
                             WHEN r_status < 0.65 THEN 'open'
                             ELSE 'pending' END AS open_status,
                        (%(priorities)s::int[])[1 + floor(r_priority * 100)::int] AS priority,
                        (%(channels)s::text[])[1 + floor(r_channel * 100)::int] AS channel,
                        (%(categories)s::bigint[])[1 + floor(r_category * 100)::int] AS category_id,
                        CASE WHEN r_level < 0.9
                             THEN COALESCE((%(category_levels)s::int[])[1 + floor(r_category * 100)::int], 1)
                             ELSE 1 END AS start_level,
                        (%(requesters)s::bigint[])[1 + floor(r_requester * cardinality(%(requesters)s::bigint[]))::int]
                            AS requester_id,
                        (%(first_response_targets)s::interval[])[
                            (%(priorities)s::int[])[1 + floor(r_priority * 100)::int]] AS first_response_target,
                        (%(resolution_targets)s::interval[])[
                            (%(priorities)s::int[])[1 + floor(r_priority * 100)::int]] AS resolution_target
                    FROM (
                        SELECT n,
                            random() AS r_open, random() AS r_status, random() AS r_age, random() AS r_priority,
                            random() AS r_channel, random() AS r_category, random() AS r_level,
                            random() AS r_requester, random() AS r_escalate, random() AS r_escalate_further,
                            random() AS r_de_escalate, random() AS r_first_response, random() AS r_resolution,
                            random() AS r_assigned, random() AS r_assignee, random() AS r_t1, random() AS r_t2,
                            random() AS r_t3
                        FROM generate_series(1, %(tickets)s) AS n
                        OFFSET 0
                    ) AS draws
                    OFFSET 0
                ) AS categorised
                OFFSET 0
            ) AS moved
            OFFSET 0
        ) AS taken
        OFFSET 0
    ) AS timed
    OFFSET 0
) AS placed
"""


TICKETS_INSERT_SQL = """
INSERT INTO {tickets} (
    id, subject, description, impact, urgency, priority, status, level, level_entered_at, channel, resolution,
    created_at, updated_at, first_response_at, resolved_at, closed_at, assignee_id, category_id, requester_id,
    first_response_warn1_at, first_response_warn2_at, first_response_due_at,
    resolution_warn1_at, resolution_warn2_at, resolution_due_at, sla_due_at, sla_warn_at
)
SELECT id, subject, description, impact, urgency, priority, status, level, level_entered_at, channel, resolution,
    created_at, updated_at, first_response_at, resolved_at, closed_at, assignee_id, category_id, requester_id,
    first_response_warn1_at, first_response_warn2_at, first_response_due_at,
    resolution_warn1_at, resolution_warn2_at, resolution_due_at,
    CASE WHEN status IN ('new', 'open') THEN
         CASE WHEN first_response_at IS NULL THEN first_response_due_at ELSE resolution_due_at END END,
    CASE WHEN status IN ('new', 'open') THEN
         CASE WHEN first_response_at IS NULL THEN first_response_warn1_at ELSE resolution_warn1_at END END
FROM (
    SELECT plan.id, plan.priority, plan.status, plan.level, plan.channel, plan.created_at, plan.resolved_at,
        plan.category_id, plan.requester_id,
        'Ticket ' || plan.id || ': ' || (%(subjects)s::text[])[1 + plan.id %% cardinality(%(subjects)s::text[])]
            AS subject,
        'What happened: ' || (%(subjects)s::text[])[1 + plan.id %% cardinality(%(subjects)s::text[])]
            || E'.\\nWhen: since this morning.\\nTried: restarted the computer, still the same.' AS description,
        (ARRAY['high', 'high', 'medium', 'low'])[plan.priority] AS impact,
        (ARRAY['high', 'medium', 'medium', 'medium'])[plan.priority] AS urgency,
        CASE WHEN plan.finished THEN 'Fixed: see the conversation for the steps taken.' ELSE '' END AS resolution,
        CASE WHEN plan.status = 'closed' THEN plan.resolved_at + interval '3 days' END AS closed_at,
        COALESCE(plan.de_escalated_at, plan.escalated_2_at, plan.escalated_1_at, plan.created_at) AS level_entered_at,
        GREATEST(plan.created_at, plan.first_response_at, plan.escalated_1_at, plan.escalated_2_at,
                 plan.de_escalated_at, plan.resolved_at,
                 CASE WHEN plan.status = 'closed' THEN plan.resolved_at + interval '3 days' END) AS updated_at,
        plan.first_response_at,
        CASE WHEN plan.status = 'new' OR plan.r_assigned >= CASE WHEN plan.finished THEN 0.97 ELSE 0.8 END THEN NULL
             WHEN plan.level = 1 THEN (%(agents_1)s::bigint[])[1 + floor(plan.r_assignee ^ 1.3
                                      * cardinality(%(agents_1)s::bigint[]))::int]
             WHEN plan.level = 2 THEN (%(agents_2)s::bigint[])[1 + floor(plan.r_assignee ^ 1.3
                                      * cardinality(%(agents_2)s::bigint[]))::int]
             ELSE (%(agents_3)s::bigint[])[1 + floor(plan.r_assignee ^ 1.3 * cardinality(%(agents_3)s::bigint[]))::int]
        END AS assignee_id,
        plan.created_at + 0.5 * plan.first_response_target AS first_response_warn1_at,
        plan.created_at + 0.8 * plan.first_response_target AS first_response_warn2_at,
        plan.created_at + plan.first_response_target AS first_response_due_at,
        -- A pending ticket's resolution clock is paused: no resolution times.
        CASE WHEN plan.status <> 'pending' THEN plan.created_at + 0.5 * plan.resolution_target END
            AS resolution_warn1_at,
        CASE WHEN plan.status <> 'pending' THEN plan.created_at + 0.8 * plan.resolution_target END
            AS resolution_warn2_at,
        CASE WHEN plan.status <> 'pending' THEN plan.created_at + plan.resolution_target END AS resolution_due_at
    FROM bench_plan AS plan
) AS ticket
ORDER BY id
"""

EVENTS_INSERT_SQL = """
INSERT INTO {events} (ticket_id, actor_id, kind, field, from_value, to_value, reason, created_at)
SELECT ticket.id, event.actor_id, event.kind, event.field, event.from_value, event.to_value, event.reason, event.at
FROM bench_plan AS plan
JOIN {tickets} AS ticket ON ticket.id = plan.id
CROSS JOIN LATERAL (VALUES
    ('created', ticket.requester_id, 'level', '', plan.start_level::text, '', plan.created_at),
    ('escalated', ticket.assignee_id, 'level', plan.start_level::text, (plan.start_level + 1)::text,
     'Needs the next level: the first-level checks did not solve it.', plan.escalated_1_at),
    ('escalated', ticket.assignee_id, 'level', (plan.start_level + 1)::text, (plan.start_level + 2)::text,
     'Needs the vendor contact at Level III.', plan.escalated_2_at),
    ('de_escalated', ticket.assignee_id, 'level', (plan.level + 1)::text, plan.level::text,
     'Can be finished at the lower level.', plan.de_escalated_at),
    ('resolved', ticket.assignee_id, 'status', 'open', 'resolved', ticket.resolution, ticket.resolved_at)
) AS event (kind, actor_id, field, from_value, to_value, reason, at)
WHERE event.at IS NOT NULL
ORDER BY event.at, ticket.id
"""


@dataclass
class Dataset:
    tickets: int
    open: int
    events: Counter
    agents: int
    requesters: int
    oldest: datetime | None
    newest: datetime | None


def dataset_read() -> Dataset:
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Max, Min

    from tickets.choices import OPEN_STATUSES
    from tickets.models import Ticket, TicketEvent

    span = Ticket.objects.aggregate(oldest=Min("created_at"), newest=Max("created_at"))
    events = Counter(dict(TicketEvent.objects.values_list("kind").annotate(n=Count("*")).order_by()))
    return Dataset(
        tickets=Ticket.objects.count(),
        open=Ticket.objects.filter(status__in=OPEN_STATUSES).count(),
        events=events,
        agents=get_user_model().objects.filter(support_levels__isnull=False).distinct().count(),
        requesters=Ticket.objects.values("requester_id").distinct().count(),
        oldest=span["oldest"],
        newest=span["newest"],
    )


def dataset_present(tickets: int) -> bool:
    from django.contrib.auth import get_user_model
    from django.db.models import Max

    from tickets.models import Ticket, TicketEvent

    agents = get_user_model().objects.filter(support_levels__isnull=False).distinct().count()
    return (
        Ticket.objects.count() == tickets
        and Ticket.objects.aggregate(last=Max("id"))["last"] == tickets
        and TicketEvent.objects.filter(kind="created").count() == tickets
        and TicketEvent.objects.filter(kind="escalated").exists()
        and agents >= sum(AGENTS_PER_LEVEL.values())
    )


def dataset_seed(*, tickets: int) -> float:
    """Truncate the tickets (and everything pointing at them) and seed them again, with
    their audit events; seconds taken, VACUUM (ANALYZE) included."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tickets.demo import SUBJECTS
    from tickets.models import Category, Ticket, TicketEvent

    started = time.perf_counter()
    people = users_ensure()
    categories = dict(Category.objects.values_list("name", "pk"))
    default_levels = dict(Category.objects.values_list("name", "default_level"))
    missing = sorted(set(CATEGORY_WEIGHTS) - set(categories))
    if missing:
        raise SystemExit(f"Categories missing from the database: {', '.join(missing)}")
    now = timezone.now().replace(second=0, microsecond=0)
    parameters = {
        "now": now,
        "tickets": tickets,
        "history": HISTORY_DAYS,
        "stale_today": stale_share_today(OPEN_SHARE, HISTORY_DAYS, STALE_DAYS),
        "stale_days": STALE_DAYS,
        "priorities": slots(PRIORITY_WEIGHTS),
        "channels": slots(CHANNEL_WEIGHTS),
        "categories": [categories.get(name) for name in slots(CATEGORY_WEIGHTS)],
        "category_levels": [default_levels.get(name) for name in slots(CATEGORY_WEIGHTS)],
        "first_response_targets": FIRST_RESPONSE_TARGETS,
        "resolution_targets": RESOLUTION_TARGETS,
        "subjects": [subject for subjects in SUBJECTS.values() for subject in subjects],
        **people,
    }
    quote = connection.ops.quote_name
    names = {"tickets": quote(Ticket._meta.db_table), "events": quote(TicketEvent._meta.db_table)}
    print(
        f"Seeding {tickets:,} tickets over {HISTORY_DAYS} days up to {now:%Y-%m-%d %H:%M} UTC "
        f"({sum(len(people[f'agents_{level}']) for level in AGENTS_PER_LEVEL)} agents, "
        f"{len(people['requesters']):,} requesters)...",
        flush=True,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # CASCADE empties every table that points at tickets (comments, events, SLA clocks, outbox).
        cursor.execute(f"TRUNCATE {names['tickets']} RESTART IDENTITY CASCADE")
        cursor.execute("SELECT setseed(0.2026)")
        cursor.execute("DROP TABLE IF EXISTS bench_plan")
        cursor.execute(PLAN_SQL, parameters)
        print(f"  plan of {tickets:,} tickets drawn ({time.perf_counter() - started:.0f} s)", flush=True)
        cursor.execute(TICKETS_INSERT_SQL.format(**names), parameters)
        print(f"  {cursor.rowcount:,} tickets ({time.perf_counter() - started:.0f} s)", flush=True)
        # The ids were given explicitly: tickets created later continue after them.
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [Ticket._meta.db_table, tickets])
        cursor.execute(EVENTS_INSERT_SQL.format(**names), parameters)
        print(f"  {cursor.rowcount:,} ticket events ({time.perf_counter() - started:.0f} s)", flush=True)
        cursor.execute("DROP TABLE bench_plan")
    with connection.cursor() as cursor:
        # VACUUM sets the visibility map and hint bits, as autovacuum would on tables this old
        # (autovacuum is off on the bench machine); ANALYZE gives the planner its statistics.
        cursor.execute("VACUUM (ANALYZE)")
    seconds = time.perf_counter() - started
    print(f"  VACUUM (ANALYZE) done; seeding took {seconds:.0f} s", flush=True)
    return seconds


def dataset_ensure(*, tickets: int, reseed: bool) -> float | None:
    """Seed when asked to or when the database does not hold the dataset; seconds taken, or None."""
    if not reseed and dataset_present(tickets):
        return None
    if not reseed:
        print("The database does not hold the dataset asked for; seeding it.")
    return dataset_seed(tickets=tickets)


# --- measuring -----------------------------------------------------------------------


@dataclass
class Query:
    label: str
    sql: str
    params: object
    ms: float


@dataclass
class QueryLog:
    """Every SQL statement sent while recording, with where it came from and its round trip."""

    recording: bool = False
    queries: list[Query] = field(default_factory=list)

    def __call__(self, execute, sql, params, many, context):
        if not self.recording:
            return execute(sql, params, many, context)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(Query(query_label(sql), sql, params, (time.perf_counter() - started) * 1000))

    def take(self) -> list[Query]:
        """The queries recorded since the last take; sorted, since sections of the page run
        on several connections at once and finish in any order."""
        queries, self.queries = self.queries, []
        return sorted(queries, key=lambda query: (query.label, query.sql))


FROM_TABLE = re.compile(r'\bFROM\s+"?(\w+)"?', re.IGNORECASE)


def query_label(sql: str) -> str:
    """The project function that sent the query (a selector, a view; a helper such as
    ``_percentiles`` with its caller), else the table it reads."""
    own = str(ROOT)
    found: list[tuple[str, str]] = []
    frame = sys._getframe(2)
    while frame is not None and len(found) < 2:
        filename = frame.f_code.co_filename
        if filename.startswith(own) and "/.venv/" not in filename and "/bench/" not in filename:
            module = Path(filename).relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
            found.append((module, frame.f_code.co_name))
        frame = frame.f_back
    if not found:
        match = FROM_TABLE.search(sql)
        return f"({match.group(1)})" if match else sql.split()[0]
    module, function = found[0]
    if function.startswith(("_", "<")) and len(found) > 1 and found[1][0] == module:
        return f"{module}.{found[1][1]} > {function}"
    return f"{module}.{function}"


def percentile_90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8] if len(values) > 1 else values[0]


@dataclass
class Measured:
    name: str
    url: str
    status: int = 0
    timings: list[float] = field(default_factory=list)
    query_counts: set[int] = field(default_factory=set)
    rows: int | None = None
    # Per position in the page's queries: the label and the round trip of each run.
    per_query: list[tuple[str, list[float]]] = field(default_factory=list)
    statements: list[Query] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.timings) if self.timings else 0.0


def request(client, url: str) -> tuple[int, int | None]:
    """Status, and for a streamed response the number of CSV rows read to its end (header excluded)."""
    response = client.get(url)
    if not getattr(response, "streaming", False):
        return response.status_code, None
    lines = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
    response.close()
    return response.status_code, lines - 1


def measure(
    client,
    log: QueryLog,
    name: str,
    url: str,
    *,
    runs: int,
    warmup: int,
    before: Callable[[], None] | None = None,
) -> Measured:
    result = Measured(name, url)
    for _i in range(warmup):
        if before:
            before()
        result.status, _rows = request(client, url)
        if result.status != 200:
            return result
    for _i in range(runs):
        if before:
            before()
        log.recording = True
        started = time.perf_counter()
        result.status, result.rows = request(client, url)
        result.timings.append((time.perf_counter() - started) * 1000)
        log.recording = False
        queries = log.take()
        result.query_counts.add(len(queries))
        if result.status != 200:
            return result
        if not result.per_query:
            result.per_query = [(query.label, []) for query in queries]
            result.statements = queries
        if len(queries) == len(result.per_query):
            for (_label, timings), query in zip(result.per_query, queries, strict=True):
                timings.append(query.ms)
    return result


def report_url(start: date, end: date, path: str = "reports:index", **kwargs) -> str:
    from django.urls import reverse
    from django.utils.http import urlencode

    query = urlencode({"preset": "custom", "start": start.isoformat(), "end": end.isoformat()})
    return f"{reverse(path, **kwargs)}?{query}"


def cold_query_count(client, log: QueryLog, start: date, end: date) -> tuple[int, int]:
    from django.core.cache import cache

    cache.clear()
    log.recording = True
    status, _rows = request(client, report_url(start, end))
    log.recording = False
    return status, len(log.take())


def statement_text(query: Query) -> str:
    from django.db import connection

    return connection.ops.compose_sql(query.sql, query.params)


def explained(queries: list[tuple[str, float, Query]]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the given queries, each with its bound parameters."""
    from django.db import connection

    for label, median_ms, query in queries:
        text = statement_text(query)
        print(f"-- {label}: {median_ms:.1f} ms median in the page")
        print(text if len(text) <= 2000 else text[:2000] + " …")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, SETTINGS) {query.sql}", query.params)
            for (line,) in cursor.fetchall():
                print(line)
        print()


def settings_line() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        values = []
        for name in ("server_version", "shared_buffers", "work_mem", "jit", "max_parallel_workers_per_gather"):
            cursor.execute(f"SHOW {name}")
            values.append(f"{name} {cursor.fetchone()[0]}")
    return ", ".join(values)


def main() -> int:
    args = arguments()
    django_on_bench_database("BENCH_REPORTS_DATABASE_URL", DEFAULT_DATABASE_URL)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.db.backends.signals import connection_created
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    seeding_seconds = dataset_ensure(tickets=args.tickets, reseed=args.reseed)
    dataset = dataset_read()
    supervisor = get_user_model().objects.get(username="supervisor")
    zone = supervisor.time_zone
    end = timezone.localtime(dataset.newest, timezone=ZoneInfo(zone)).date()
    start = end - timedelta(days=RANGE_DAYS - 1)
    # "localhost" is in the development ALLOWED_HOSTS; the test client's "testserver" is not.
    client = Client(HTTP_HOST="localhost")
    client.force_login(supervisor)
    page_url = report_url(start, end)
    live_url = report_url(start, end, "reports:live")
    export_url = report_url(start, end, "reports:export", kwargs={"name": "tickets"})

    events = ", ".join(f"{count:,} {kind}" for kind, count in sorted(dataset.events.items()))
    print()
    print(f"Database      {connection.settings_dict['NAME']}: {settings_line()}")
    print(
        f"Dataset       {dataset.tickets:,} tickets created {dataset.oldest:%Y-%m-%d} to {dataset.newest:%Y-%m-%d}, "
        f"{dataset.open:,} open; {dataset.agents} agents, {dataset.requesters:,} requesters; events: {events}"
    )
    print(
        "Seeding       "
        + (
            f"{seeding_seconds:.0f} s (set-based SQL: tickets, then their events; then VACUUM (ANALYZE))"
            if seeding_seconds
            else "data present, skipped (--reseed to rebuild)"
        )
    )
    print(f"Period        {start} to {end} ({RANGE_DAYS} days in {zone}), as supervisor")
    print(
        f"Timing        {args.warmup} warm-up + {args.runs} timed requests each, DEBUG=False, "
        f"cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; CPUs: {os.cpu_count()}, load: {load()}"
    )
    print()

    log = QueryLog()
    opened: list[str] = []

    def count_new_connections(sender, connection, **kwargs) -> None:
        opened.append(connection.alias)

    connection_created.connect(count_new_connections)
    with override_settings(DEBUG=False), connection.execute_wrapper(log):
        cold = measure(
            client, log, "reports page, cold cache", page_url, runs=args.runs, warmup=args.warmup, before=cache.clear
        )
        cache.clear()
        warm = measure(client, log, "reports page, warm cache", page_url, runs=args.runs, warmup=max(1, args.warmup))
        live = measure(client, log, "live partial", live_url, runs=args.runs, warmup=args.warmup)
        export = measure(client, log, "tickets CSV (whole stream)", export_url, runs=args.runs, warmup=1)
        other_counts = {
            days: cold_query_count(client, log, end - timedelta(days=days - 1), end) for days in OTHER_RANGES
        }
    results = [cold, warm, live, export]

    header = f"{'page':<28}  {'status':>6}  {'median ms':>9}  {'p90 ms':>8}  {'min ms':>8}  {'queries':>7}  {'rows':>7}"
    print(header)
    print("-" * len(header))
    for result in results:
        timings = result.timings or [0.0]
        counts = "/".join(str(count) for count in sorted(result.query_counts)) or "-"
        rows = f"{result.rows:,}" if result.rows is not None else ""
        print(
            f"{result.name:<28}  {result.status:>6}  {statistics.median(timings):>9.1f}  "
            f"{percentile_90(timings):>8.1f}  {min(timings):>8.1f}  {counts:>7}  {rows:>7}"
        )
    print(f"urls: {page_url}  {live_url}  {export_url}")
    print()

    cold_count = next(iter(cold.query_counts), None)
    constant = all(len(result.query_counts) == 1 for result in results) and all(
        status == 200 and count == cold_count for status, count in other_counts.values()
    )
    print(
        f"Cold page queries by period: {RANGE_DAYS} days: {cold_count}, "
        + ", ".join(f"{days} days: {count}" for days, (_status, count) in other_counts.items())
        + (" - constant." if constant else " - NOT constant!")
    )
    print()

    print(f"Cold page, query by query (round trip from Django to PostgreSQL, median of {args.runs} runs):")
    header = f"{'#':>3}  {'median ms':>9}  {'p90 ms':>8}  query from"
    print(header)
    print("-" * 72)
    rows_by_median = []
    for number, ((label, timings), statement) in enumerate(zip(cold.per_query, cold.statements, strict=True), 1):
        median_ms = statistics.median(timings)
        rows_by_median.append((label, median_ms, statement))
        print(f"{number:>3}  {median_ms:>9.1f}  {percentile_90(timings):>8.1f}  {label}")
    sql_total = sum(median for _label, median, _query in rows_by_median)
    print(
        f"SQL {sql_total:.0f} ms summed over the cold page ({cold.median:.0f} ms median), on the request's "
        f"one connection; connections opened while measuring: {len(opened)}."
    )
    by_function: dict[str, float] = defaultdict(float)
    for label, median_ms, _query in rows_by_median:
        by_function[label] += median_ms
    print(
        "By function: "
        + ", ".join(f"{label} {ms:.0f}" for label, ms in sorted(by_function.items(), key=lambda item: -item[1]))
    )
    print()

    verdict = "met" if cold.median < TARGET_MS else "MISSED"
    print(f"Target: cold reports page median under {TARGET_MS:.0f} ms: {verdict} ({cold.median:.0f} ms).")

    if args.explain:
        slow = [row for row in rows_by_median if row[1] >= args.explain_over_ms]
        slow.sort(key=lambda row: -row[1])
        print()
        print(f"EXPLAIN (ANALYZE, BUFFERS) of the cold page's queries over {args.explain_over_ms:.0f} ms:")
        print()
        explained(slow)

    failed = [result for result in results if result.status != 200]
    for result in failed:
        print(f"FAILED: {result.name} answered {result.status} ({result.url})", file=sys.stderr)
    return 1 if failed or not constant else 0


if __name__ == "__main__":
    sys.exit(main())
