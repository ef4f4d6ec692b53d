import importlib

import pytest
from django.apps import apps

from accounts.services import roles_sync

from .pages import Helpdesk

# Reference rows that data migrations create. A transactional test ends by emptying every
# table, so the next browser test would otherwise find no support levels or categories.
REFERENCE_DATA_MIGRATIONS = [
    ("escalation.migrations.0002_support_levels", "create_levels"),
    ("tickets.migrations.0002_default_categories", "create_categories"),
]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core is injected as an inline script; a Content-Security-Policy must not block it.
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    for module_name, function_name in REFERENCE_DATA_MIGRATIONS:
        getattr(importlib.import_module(module_name), function_name)(apps, None)
    roles_sync()


@pytest.fixture
def helpdesk(page, live_server):
    return Helpdesk(page, live_server.url)
