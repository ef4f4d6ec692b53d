"""Preventive maintenance opened from two processes at once on PostgreSQL: each run (plan ×
asset × due time) gets exactly one ticket, however the two interleave."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.db.models import Count

from assets.models import TicketAsset
from maintenance.models import MaintenanceRun
from maintenance.services import maintenance_account
from tests.integration.processes import _database_url
from tests.maintenance.support import asset, plan
from tickets.models import Ticket, TicketChecklistItem

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

OPEN_AT = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
SCRIPT = """
import os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
django.setup()
from datetime import datetime
from maintenance.services import maintenance_runs_open
go = float(sys.argv[1])
while time.time() < go:
    time.sleep(0.001)
print(maintenance_runs_open(now=datetime.fromisoformat(sys.argv[2])))
"""


def _generation_process(go: float):
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(go), OPEN_AT.isoformat()],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_opening_at_once_open_each_run_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    maintenance_account()
    with_type = [asset("server") for _ in range(60)]
    with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC), tick=False):
        for _ in range(240):
            plan(lead_time=timedelta(hours=1))
        plan(asset_type="server", lead_time=timedelta(hours=1))
    expected = 240 + len(with_type) + 240  # each single-asset plan's server is a server too
    go = time.time() + 3
    first, second = _generation_process(go), _generation_process(go)
    outputs = [process.communicate(timeout=120) for process in (first, second)]
    for process, (_out, err) in zip((first, second), outputs, strict=True):
        assert process.returncode == 0, err[-3000:]
    opened = [int(out.strip().splitlines()[-1]) for out, _err in outputs]
    assert sum(opened) == expected == MaintenanceRun.objects.count()
    assert not MaintenanceRun.objects.filter(ticket__isnull=True).exists()
    assert Ticket.objects.count() == expected
    assert not MaintenanceRun.objects.values("ticket").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert TicketAsset.objects.count() == expected
    assert TicketChecklistItem.objects.count() == 2 * expected
