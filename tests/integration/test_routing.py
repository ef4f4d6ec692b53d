"""Assignment policies run from two processes at once on PostgreSQL: no ticket is given
out twice and no agent goes past the cap, however the two interleave (locks, not luck)."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count

from accounts.choices import Level
from routing.choices import AssignmentMethod
from routing.models import AssignmentPolicy
from tests.factories import TicketFactory, make_agent, make_requester
from tests.integration.processes import _database_url
from tickets.choices import OPEN_STATUSES, EventKind, Status
from tickets.models import Ticket, TicketEvent

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PREAMBLE = """
import os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
django.setup()
go = float(sys.argv[1])
while time.time() < go:
    time.sleep(0.001)
"""
RUN_POLICY = (
    PREAMBLE
    + """
from routing.services import level_assign_waiting
print(level_assign_waiting(level=1))
"""
)
# Files tickets as a requester would; the policy runs when each one's transaction commits
# (Celery eager in this process), so the two processes' arrivals race for the same agents.
FILE_TICKETS = (
    PREAMBLE
    + """
from django.contrib.auth import get_user_model
from tickets.services import ticket_create
requester = get_user_model().objects.get(username=sys.argv[2])
for n in range(int(sys.argv[3])):
    ticket_create(requester=requester, subject=f"Printer {n}", description="It jams.", urgency="medium")
print("filed")
"""
)


def _process(script: str, go: float, *args: str):
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-c", script, str(go), *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finished(processes) -> list[str]:
    outputs = [process.communicate(timeout=180) for process in processes]
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err[-3000:]
    return [out.strip().splitlines()[-1] for out, _err in outputs]


def _open_counts(agents) -> dict:
    return {agent.pk: Ticket.objects.filter(assignee=agent, status__in=OPEN_STATUSES).count() for agent in agents}


@pytest.mark.parametrize("method", [AssignmentMethod.ROUND_ROBIN, AssignmentMethod.LEAST_LOADED])
def test_two_workers_running_the_policy_at_once_never_assign_a_ticket_twice(method):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    AssignmentPolicy.objects.create(level=Level.I, method=method, cap=15)
    agents = [make_agent(Level.I) for _ in range(4)]
    TicketFactory.create_batch(150)
    go = time.time() + 3
    given = [int(line) for line in _finished([_process(RUN_POLICY, go), _process(RUN_POLICY, go)])]
    assert sum(given) == 60 == Ticket.objects.filter(assignee__isnull=False).count()
    assert all(count > 0 for count in given)  # both processes did some of the work
    once = TicketEvent.objects.filter(kind=EventKind.ASSIGNED).values("ticket").annotate(n=Count("id"))
    assert once.count() == 60 and not once.filter(n__gt=1).exists()
    assert set(_open_counts(agents).values()) == {15}  # everyone at the cap, nobody past it


def test_tickets_arriving_at_once_never_take_an_agent_past_the_cap():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    AssignmentPolicy.objects.create(level=Level.I, method=AssignmentMethod.LEAST_LOADED, cap=3)
    agents = [make_agent(Level.I) for _ in range(3)]
    for agent in agents:
        TicketFactory.create_batch(2, assignee=agent, status=Status.OPEN)  # one place left each
    requesters = [make_requester(username=f"filer{n}") for n in range(2)]
    go = time.time() + 3
    _finished([_process(FILE_TICKETS, go, requester.username, "6") for requester in requesters])
    assert Ticket.objects.filter(requester__in=requesters).count() == 12
    assert _open_counts(agents) == {agent.pk: 3 for agent in agents}
    assert Ticket.objects.filter(requester__in=requesters, assignee__isnull=True).count() == 9
