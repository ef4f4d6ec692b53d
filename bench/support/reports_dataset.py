"""The reports dataset: two years of tickets with their audit events, 30 agents and a
thousand requesters, seeded with set-based SQL (INSERT … SELECT FROM generate_series) into
the database of bench/reports.py, whose docstring describes it; bench/api.py serves the API on
it. Seeding is skipped when the database already holds the dataset asked for."""

import math
import os
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_reports"
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
    from demo.data import EXTRA_REQUESTERS, demo_users_ensure

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
    resolution_warn1_at, resolution_warn2_at, resolution_due_at, sla_due_at, sla_warn_at, source_message_id
)
SELECT id, subject, description, impact, urgency, priority, status, level, level_entered_at, channel, resolution,
    created_at, updated_at, first_response_at, resolved_at, closed_at, assignee_id, category_id, requester_id,
    first_response_warn1_at, first_response_warn2_at, first_response_due_at,
    resolution_warn1_at, resolution_warn2_at, resolution_due_at,
    CASE WHEN status IN ('new', 'open') THEN
         CASE WHEN first_response_at IS NULL THEN first_response_due_at ELSE resolution_due_at END END,
    CASE WHEN status IN ('new', 'open') THEN
         CASE WHEN first_response_at IS NULL THEN first_response_warn1_at ELSE resolution_warn1_at END END,
    ''
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

    from demo.data import SUBJECTS
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
