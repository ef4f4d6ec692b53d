"""The apps are layers that import only downwards: the import-linter contract in
pyproject.toml holds with no exceptions, and an upward import breaks it."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_contract_names_every_app_and_allows_no_exception():
    [contract] = CONFIG["contracts"]
    assert contract["type"] == "layers"
    assert "ignore_imports" not in contract and "unmatched_ignore_imports_alerting" not in contract
    layered = {app.strip() for layer in contract["layers"] for app in layer.split("|")}
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps | {"helpdesk"} == layered == set(CONFIG["root_packages"])


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("sla/services.py", "from tickets.models import Ticket"),
        ("notifications/selectors.py", "from accounts.models import User\nfrom sla.models import SlaPolicy"),
        ("tickets/services/common.py", "from escalation.models import EscalationRule"),
        ("api/views.py", "from accounts.selectors import user_role"),
    ],
)
def test_an_upward_or_sideways_import_breaks_the_contract(tmp_path, module, upward):
    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    assert _lint(tmp_path).returncode == 0

    target = tmp_path / module
    target.write_text(upward + "\n" + target.read_text())
    result = _lint(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "BROKEN" in result.stdout
    offending = upward.splitlines()[-1].split()[1]
    assert f"-> {offending}" in result.stdout


def test_the_celery_tasks_keep_the_names_messages_already_queued_carry():
    """Tasks moved from escalation to notifications, but a message queued before the
    upgrade names the task as it was called then."""
    from celery import current_app

    registered = current_app.tasks
    for name, module in [
        ("escalation.tasks.notification_send", "notifications.tasks"),
        ("escalation.tasks.notification_sweep", "notifications.tasks"),
        ("escalation.tasks.sla_sweep", "escalation.tasks"),
        ("escalation.tasks.sla_notify", "escalation.tasks"),
    ]:
        assert registered[name].run.__module__ == module
