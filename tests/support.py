import importlib
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from kombu import pools

from accounts.services import roles_sync
from helpdesk.celery import app as celery_app


def _reset_producers() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    pools.reset()


@contextmanager
def broker_at(url: str):
    """Point this process's Celery producer at another broker URL (e.g. a closed port).
    The URL alone decides the transport: the embedded broker's transport class and its
    folders (set when the run has no broker URL) are put aside meanwhile, or they would
    still carry the messages whatever the URL says."""
    keys = ("broker_url", "broker_read_url", "broker_write_url", "broker_transport", "broker_transport_options")
    saved = {key: celery_app.conf[key] for key in keys}
    eager = celery_app.conf.task_always_eager
    celery_app.conf.update(
        dict.fromkeys(("broker_url", "broker_read_url", "broker_write_url"), url),
        broker_transport=None,
        broker_transport_options={"socket_connect_timeout": 3, "socket_timeout": 10},
        task_always_eager=False,
    )
    _reset_producers()
    try:
        yield
    finally:
        celery_app.conf.update(saved, task_always_eager=eager)
        _reset_producers()


# Reference rows that data migrations create.
REFERENCE_DATA_MIGRATIONS = [
    ("escalation.migrations.0002_support_levels", "create_levels"),
    ("tickets.migrations.0002_default_categories", "create_categories"),
    ("tickets.migrations.0011_hardware_repair_at_level_one", "route_hardware_repair_to_level_one"),
    ("escalation.migrations.0005_default_calendars_and_policies", "create_defaults"),
    ("escalation.migrations.0007_default_escalation_rules", "create_rules"),
]


class _ModelsWhereTheyAreNow:
    """The app registry as the data migrations above ask it, with each model looked up in
    the app that holds it now (they were written when escalation held them)."""

    MOVED = importlib.import_module("escalation.migrations.0012_models_to_their_apps").MOVED

    def get_model(self, app_label: str, model_name: str):
        if app_label == "escalation":
            app_label = self.MOVED.get(model_name.lower(), app_label)
        return apps.get_model(app_label, model_name)


def restore_reference_data() -> None:
    for module_name, function_name in REFERENCE_DATA_MIGRATIONS:
        getattr(importlib.import_module(module_name), function_name)(_ModelsWhereTheyAreNow(), None)
    roles_sync()


ROOT = Path(__file__).resolve().parent.parent


def pytest_on_sqlite(*paths: str, var_dir: Path, timeout: float = 600) -> tuple[bool, str]:
    """Run these test paths again in a child pytest with DATABASE_URL and the broker
    unset: the settings then choose SQLite and the embedded broker exactly as they do for
    ``make run``. Returns (passed with nothing skipped, the output's tail)."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "CELERY_BROKER_URL", "HELPDESK_CACHE_URL", "HELPDESK_REQUIRE_SERVICES"}
        and not name.startswith("PYTEST_")
    }
    environment["HELPDESK_VAR_DIR"] = str(var_dir)
    child = subprocess.run(
        [sys.executable, "-m", "pytest", *paths, "-q"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    summary = child.stdout.strip().splitlines()[-1] if child.stdout.strip() else ""
    passed = child.returncode == 0 and " passed" in summary and "skipped" not in summary
    return passed, child.stdout[-6000:] + child.stderr[-2000:]
