"""The database: psycopg 3, and its connection pool when DB_POOL asks for it."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "helpdesk" / "settings.py"
POSTGRES_URL = "postgres://helpdesk:secret@db.example.com:5432/helpdesk"

# Eight threads run five rounds each of a query through the ORM and give the connection
# back (Django's close() returns it to the pool); the backends that served them are told.
POOLED_QUERIES = """
import json, threading
import django
django.setup()
from django.contrib.auth.models import Group
from django.db import connection

backends, groups, errors = set(), set(), []

def work():
    try:
        for _round in range(5):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backends.add(cursor.fetchone()[0])
            groups.add(Group.objects.count())
            connection.close()
    except Exception as error:
        errors.append(repr(error))

threads = [threading.Thread(target=work) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(60)
pool = connection.pool
print(json.dumps({
    "pool": type(pool).__module__ + "." + type(pool).__name__ if pool else None,
    "max_size": pool.max_size if pool else None,
    "backends": len(backends),
    "groups": sorted(groups),
    "errors": errors,
    "conn_max_age": connection.settings_dict["CONN_MAX_AGE"],
}))
"""


def settings_with(monkeypatch, tmp_path, **environment: str) -> dict:
    for name in ("DB_POOL", "DB_POOL_MIN_SIZE", "DB_POOL_MAX_SIZE", "DB_POOL_TIMEOUT", "DB_CONN_MAX_AGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HELPDESK_VAR_DIR", str(tmp_path))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))["DATABASES"]["default"]


def test_postgresql_connections_persist_without_a_pool_by_default(monkeypatch, tmp_path):
    database = settings_with(monkeypatch, tmp_path, DATABASE_URL=POSTGRES_URL)

    assert "pool" not in database.get("OPTIONS", {})
    assert database["CONN_MAX_AGE"] == 60


def test_db_pool_turns_psycopgs_pool_on_with_its_sizes_and_no_persistent_connections(monkeypatch, tmp_path):
    database = settings_with(
        monkeypatch,
        tmp_path,
        DATABASE_URL=POSTGRES_URL,
        DB_POOL="1",
        DB_POOL_MIN_SIZE="3",
        DB_POOL_MAX_SIZE="7",
        DB_POOL_TIMEOUT="2.5",
    )

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["OPTIONS"]["pool"] == {"min_size": 3, "max_size": 7, "timeout": 2.5}
    assert database["CONN_MAX_AGE"] == 0


def test_db_pool_has_sizes_of_its_own_by_default(monkeypatch, tmp_path):
    database = settings_with(monkeypatch, tmp_path, DATABASE_URL=POSTGRES_URL, DB_POOL="1", DB_CONN_MAX_AGE="600")

    assert database["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 10, "timeout": 10.0}
    assert database["CONN_MAX_AGE"] == 0


def test_db_pool_leaves_sqlite_alone(monkeypatch, tmp_path):
    database = settings_with(monkeypatch, tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", DB_POOL="1")

    assert "pool" not in database["OPTIONS"]


def test_the_postgresql_driver_is_psycopg_3(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")

    connection.ensure_connection()

    assert isinstance(connection.connection, psycopg.Connection)


def test_queries_from_many_threads_share_the_pools_few_connections_on_postgresql(db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
    settings_dict = connection.settings_dict  # the test database, migrated
    netloc = f"{quote(settings_dict['USER'] or '', safe='')}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}"
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "HELPDESK_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "memory://",
        "DATABASE_URL": f"postgres://{netloc}/{quote(settings_dict['NAME'], safe='')}",
        "DB_POOL": "1",
        "DB_POOL_MIN_SIZE": "1",
        "DB_POOL_MAX_SIZE": "2",
    }
    if settings_dict["PASSWORD"]:
        environment["PGPASSWORD"] = str(settings_dict["PASSWORD"])

    result = subprocess.run(
        [sys.executable, "-c", POOLED_QUERIES], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert outcome["pool"] == "psycopg_pool.pool.ConnectionPool"
    assert outcome["conn_max_age"] == 0
    # 40 units of work, each ending in close(), served by the pool's two connections.
    assert 1 <= outcome["backends"] <= outcome["max_size"] == 2
    assert outcome["groups"] and outcome["groups"][0] > 0
