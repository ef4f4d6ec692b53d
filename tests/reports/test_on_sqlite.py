"""The report tests on SQLite too, in the same ``make test`` run.

The suite runs on PostgreSQL when it is reachable, but ``make run`` and every install
without DATABASE_URL run the reports on SQLite, whose SQL differs (no percentile_disc,
durations computed by a function, dates as text). Rather than a second database alias,
which would have every factory, view and selector pick a connection, this test runs the
reports' test modules again in a child pytest with DATABASE_URL and the broker unset: the
settings then choose SQLite exactly as they do for ``make run``, and the tests stay as
they are. On a run that is on SQLite already there is nothing more to learn, so it skips.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().relative_to(ROOT)


def test_the_report_tests_pass_on_sqlite(tmp_path):
    if connection.vendor == "sqlite":
        pytest.skip("this run is on SQLite already")
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "CELERY_BROKER_URL", "HELPDESK_CACHE_URL", "HELPDESK_REQUIRE_SERVICES"}
        and not name.startswith("PYTEST_")
    }
    environment["HELPDESK_VAR_DIR"] = str(tmp_path)
    child = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE.parent), f"--ignore={HERE}", "-q"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = child.stdout.strip().splitlines()[-1] if child.stdout.strip() else ""
    assert child.returncode == 0, child.stdout[-6000:] + child.stderr[-2000:]
    assert " passed" in summary and "skipped" not in summary, summary
