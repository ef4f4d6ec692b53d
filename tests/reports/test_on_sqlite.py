"""The report tests on SQLite too, in the same ``make test`` run.

The suite runs on PostgreSQL when it is reachable, but ``make run`` and every install
without DATABASE_URL run the reports on SQLite, whose SQL differs (no percentile_disc,
durations computed by a function, dates as text). Rather than a second database alias,
which would have every factory, view and selector pick a connection, this test runs the
reports' test modules again in a child pytest with DATABASE_URL and the broker unset: the
settings then choose SQLite exactly as they do for ``make run``, and the tests stay as
they are. On a run that is on SQLite already there is nothing more to learn, so it skips.
"""

from pathlib import Path

import pytest
from django.db import connection

from tests.support import ROOT, pytest_on_sqlite

HERE = Path(__file__).resolve().relative_to(ROOT)


def test_the_report_tests_pass_on_sqlite(tmp_path):
    if connection.vendor == "sqlite":
        pytest.skip("this run is on SQLite already")
    passed, output = pytest_on_sqlite(str(HERE.parent), f"--ignore={HERE}", var_dir=tmp_path)
    assert passed, output
