"""Each pytest-xdist worker gets services of its own: a Celery broker database and a var
folder (its SQLite files, static files and mail), beside the test database pytest-django
already names after the worker. A worker's Celery processes then never take another's
tasks, and no two workers write one file.

Loaded with ``-p tests.worker_slots`` (pyproject.toml), before Django reads its settings,
so settings.py sees the worker's values; without xdist it changes nothing."""

import os
from pathlib import Path
from urllib.parse import urlparse, urlunparse

REDIS_DATABASES = 16


def _broker_for(url: str, slot: int) -> str:
    """The worker's own Redis database: the configured one for the first worker, the ones
    below it for the next (15, 14, … for redis://…/15)."""
    parsed = urlparse(url)
    database = int(parsed.path.strip("/") or 0)
    return urlunparse(parsed._replace(path=f"/{(database - slot) % REDIS_DATABASES}"))


def _isolate(worker: str) -> None:
    slot = int(worker.removeprefix("gw"))
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if broker.startswith("redis://"):
        os.environ["CELERY_BROKER_URL"] = _broker_for(broker, slot)
    var_dir = os.environ.get("HELPDESK_VAR_DIR")
    if var_dir:
        own = Path(var_dir) / worker
        own.mkdir(parents=True, exist_ok=True)
        os.environ["HELPDESK_VAR_DIR"] = str(own)


if os.environ.get("PYTEST_XDIST_WORKER"):
    _isolate(os.environ["PYTEST_XDIST_WORKER"])
