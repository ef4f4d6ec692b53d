"""The bench's own PostgreSQL database: created when it does not exist yet, Django pointed at
it and set up, the migrations applied."""

import os
from urllib.parse import unquote, urlsplit


def database_ensure(url: str) -> None:
    """Create the bench database when it does not exist yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise SystemExit(f"BENCH_DATABASE_URL names no database: {url}")
    connection = psycopg.connect(
        dbname="postgres",
        user=unquote(parts.username or "") or None,
        password=unquote(parts.password or "") or None,
        host=parts.hostname or None,
        port=parts.port or None,
        autocommit=True,  # CREATE DATABASE cannot run inside a transaction
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"Created database {name}.")
    finally:
        connection.close()


def django_on_bench_database(env_var: str, default_url: str) -> str:
    """Point Django at the bench's own PostgreSQL database (``env_var`` or the default),
    create it if needed, set Django up and migrate. Returns the database URL."""
    database_url = os.environ.get(env_var) or default_url
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    database_ensure(database_url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return database_url
