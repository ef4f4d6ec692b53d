"""bench/api.py's in-process profile (``--profile``): each kind of request sent through
Django's test client with DEBUG off and the server's settings, its wall time split into the
phases of the functions that own them (token lookup, service, SLA, outbox, commit, Celery
publish, page query, serialisation), the CPU of Python and of PostgreSQL, and the SQL of one
request."""

import importlib
import json
import sys
import time
from dataclasses import dataclass

from bench.support.api_tickets import filtered, ticket_body
from bench.support.machine import process_cpu_seconds

# Where a request's time goes: the functions that own each phase, timed inclusively (a
# nested phase is indented under the one that calls it). Module-level functions are
# wrapped wherever a module holds them, methods on their class.
PHASES = [
    ("authentication (token lookup)", "accounts.authentication", "ApiTokenAuthentication.authenticate"),
    ("input validation", "tickets.api.serializers", "TicketCreateSerializer.is_valid"),
    ("ticket_create (service)", "tickets.services.lifecycle", "ticket_create"),
    ("  SLA due times (ticket_sla_start)", "tickets.services.sla", "ticket_sla_start"),
    ("    sla_policy_for", "tickets.services.sla", "sla_policy_for"),
    ("    business_calendar", "tickets.services.sla", "business_calendar"),
    ("    sla_schedule (arithmetic)", "tickets.services.sla", "sla_schedule"),
    ("  ticket row (INSERT)", "tickets.models", "Ticket.save"),
    ("  SLA clock row (INSERT)", "tickets.services.lifecycle", "sla_clock_start"),
    ("  audit event (INSERT)", "tickets.services.lifecycle", "event_record"),
    ("  notification_queue", "tickets.services.notices", "notification_queue"),
    ("    recipients' preferences", "notifications.services.queue", "notification_preferences_of"),
    ("    templates rendered", "notifications.services.queue", "_render"),
    ("    webhook endpoints", "notifications.services.queue", "_webhook_rows"),
    ("    outbox rows (INSERT)", "django.db.models.query", "QuerySet.bulk_create"),
    ("  COMMIT", "django.db.backends.base.base", "BaseDatabaseWrapper._commit"),
    ("  on commit: Celery publish", "notifications.services.queue", "notification_enqueue"),
    ("visible levels (permissions)", "accounts.selectors", "agent_levels"),
    ("filtering", "django_filters.rest_framework.backends", "DjangoFilterBackend.filter_queryset"),
    ("page query and rows", "rest_framework.pagination", "CursorPagination.paginate_queryset"),
    ("serialisation", "tickets.api.serializers", "TicketSerializer.to_representation"),
    ("JSON rendering", "rest_framework.renderers", "JSONRenderer.render"),
]


class PhaseTimer:
    """Wall time spent in each phase while active; undone by ``close``."""

    def __init__(self):
        self.seconds: dict[str, float] = dict.fromkeys([label for label, _module, _name in PHASES], 0.0)
        self.active = False
        self._undo: list[tuple[object, str, object]] = []
        for label, module_name, name in PHASES:
            self._wrap(label, importlib.import_module(module_name), name)

    def _wrapper(self, label: str, function):
        def timed(*args, **kwargs):
            if not self.active:
                return function(*args, **kwargs)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started

        return timed

    def _wrap(self, label: str, module, name: str) -> None:
        if "." in name:
            class_name, method = name.split(".")
            owner = getattr(module, class_name)
            # None: inherited, so undone by deleting the wrapper from the class.
            self._undo.append((owner, method, owner.__dict__.get(method)))
            setattr(owner, method, self._wrapper(label, getattr(owner, method)))
            return
        function = getattr(module, name)
        wrapped = self._wrapper(label, function)
        for holder in list(sys.modules.values()):
            for attribute, value in list(getattr(holder, "__dict__", {}).items()):
                if value is function:
                    self._undo.append((holder, attribute, function))
                    setattr(holder, attribute, wrapped)

    def close(self) -> None:
        for owner, name, original in reversed(self._undo):
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)


@dataclass
class Profile:
    name: str
    requests: int
    wall_ms: float
    python_cpu_ms: float
    database_cpu_ms: float
    phases: dict[str, float]
    queries: list[tuple[float, str]]


def profile_request(client, timer: PhaseTimer, name: str, url: str, key: str, *, body=None, runs: int) -> Profile:
    """``runs`` requests in-process (after a few untimed ones): wall time, CPU of this process
    and of its PostgreSQL backend, and each phase, per request; the SQL of the last one."""
    from django.db import connection

    def send():
        response = client.generic(
            "POST" if body is not None else "GET",
            url,
            json.dumps(body) if body is not None else "",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        if response.status_code not in (200, 201):
            raise SystemExit(f"{name} answered {response.status_code} in-process: {response.content[:300]!r}")

    for _i in range(5):
        send()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    timer.seconds = dict.fromkeys(timer.seconds, 0.0)
    timer.active = True
    database_cpu = process_cpu_seconds(backend)
    python_cpu = time.process_time()
    started = time.perf_counter()
    for _i in range(runs):
        send()
    wall = time.perf_counter() - started
    python_cpu = time.process_time() - python_cpu
    database_cpu = process_cpu_seconds(backend) - database_cpu
    timer.active = False
    queries: list[tuple[float, str]] = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - started) * 1000, sql))

    with connection.execute_wrapper(record):
        send()
    return Profile(
        name,
        runs,
        wall * 1000 / runs,
        python_cpu * 1000 / runs,
        database_cpu * 1000 / runs,
        {label: seconds * 1000 / runs for label, seconds in timer.seconds.items() if seconds},
        queries,
    )


def profile_print(profile: Profile) -> None:
    sql_ms = sum(ms for ms, _sql in profile.queries)
    print(
        f"{profile.name}: {profile.wall_ms:.2f} ms a request (mean of {profile.requests}, one at a time); CPU "
        f"{profile.python_cpu_ms:.2f} ms Python + {profile.database_cpu_ms:.2f} ms PostgreSQL; "
        f"{len(profile.queries)} queries, {sql_ms:.2f} ms of SQL round trips"
    )
    for label, ms in profile.phases.items():
        print(f"    {label:<34} {ms:6.2f} ms  {ms / profile.wall_ms:4.0%}")
    print("  queries of one request (round trip ms):")
    for ms, sql in profile.queries:
        text = " ".join(sql.split())
        print(f"    {ms:6.2f}  {text[:110] + ' …' if len(text) > 110 else text}")
    print()


def profiles_run(list_path: str, keys: dict[str, str], second_page: str, *, runs: int) -> list[Profile]:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    supervisor = keys["supervisor"]
    timer = PhaseTimer()
    try:
        # The lists first, before the profile's own tickets are created.
        lists = [
            profile_request(client, timer, "GET list", list_path, supervisor, runs=runs),
            profile_request(client, timer, "GET list ?status=open&level=1", filtered(list_path), supervisor, runs=runs),
            profile_request(client, timer, "GET list 2nd page", second_page, supervisor, runs=runs),
        ]
        creating = profile_request(
            client, timer, "POST create", list_path, keys["requester"], body=ticket_body(), runs=runs
        )
        return [creating, *lists]
    finally:
        timer.close()
