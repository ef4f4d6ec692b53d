import os
from pathlib import Path

import pytest

from .pages import Helpdesk, csp_watch, describe


@pytest.fixture(autouse=True)
def csp_violations(context):
    """Collect the browser's CSP violation reports for the whole test: there must be none.

    A test that provokes one on purpose empties the list itself."""
    violations = csp_watch(context)
    yield violations
    assert violations == [], describe(violations)


@pytest.fixture(autouse=True)
def _reference_data(reference_data):
    """Browser tests are transactional: put the migrated reference rows back first."""


@pytest.fixture
def helpdesk(page, live_server):
    return Helpdesk(page, live_server.url)


ARTEFACTS = Path(os.environ.get("HELPDESK_TEST_ARTEFACTS", Path(__file__).resolve().parents[2] / "test-artefacts"))


@pytest.fixture
def artefacts(request) -> Path:
    """A folder for this test's screenshots, kept after the run (``make test`` prints it)."""
    folder = ARTEFACTS / request.node.name.replace("/", "_")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
