"""The channel tests that need no outside server, on SQLite too, in the same ``make test``
run: ``make run`` (the embedded default) takes calls, chats and SMS on SQLite, whose
locking differs (no advisory locks, one writer at a time). Run as tests/reports/test_on_sqlite.py
runs the report tests."""

import pytest
from django.db import connection

from tests.support import pytest_on_sqlite

ON_SQLITE_TOO = [
    "tests/intake/test_log_contact.py",
    "tests/intake/test_log_contact_callers.py",
    "tests/intake/test_sms.py",
    "tests/escalation/test_pages.py",
    # Two threads on one in-memory SQLite database meet its shared-cache table locks,
    # which never wait (a file database in WAL mode, as make run has, does): that race is
    # PostgreSQL's test.
    "--deselect=tests/intake/test_log_contact_callers.py::test_two_agents_adding_the_same_caller_at_once_make_one_account",
]


def test_the_call_chat_sms_and_page_tests_pass_on_sqlite(tmp_path):
    if connection.vendor == "sqlite":
        pytest.skip("this run is on SQLite already")
    passed, output = pytest_on_sqlite(*ON_SQLITE_TOO, var_dir=tmp_path)
    assert passed, output
