import os
from pathlib import Path

import pytest

from .pages import Helpdesk


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core is injected as an inline script; a Content-Security-Policy must not block it.
    return {**browser_context_args, "bypass_csp": True}


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
