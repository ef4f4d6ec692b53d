"""The search tests on SQLite too (make run's embedded default searches by plain
matching), in the same make test run, as tests/reports/test_on_sqlite.py runs the reports'."""

import pytest
from django.db import connection

from tests.support import pytest_on_sqlite


def test_the_search_tests_pass_on_sqlite(tmp_path):
    if connection.vendor == "sqlite":
        pytest.skip("this run is on SQLite already")
    passed, output = pytest_on_sqlite(
        "tests/search/test_ranking.py", "tests/search/test_search_page.py", var_dir=tmp_path
    )
    assert passed, output
