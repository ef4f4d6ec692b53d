import os
import shutil

import pytest
from auditlog.context import disable_auditlog
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation
from pytest_django.plugin import blocking_manager_key

from helpdesk.celery import app as celery_app
from notifications.sms import locmem as sms_locmem
from sla.selectors import config_cache_clear
from tests.accounts.directory_server import Directory, DirectoryServer, directory_environment
from tests.fakes.sms_gateway import FakeSmsGateway
from tests.fakes.smtp import FakeSmtpServer
from tests.intake.imap_server import ImapServer
from tests.oidc_provider import OidcProvider
from tests.support import restore_reference_data
from tests.test_settings import settings_with

# Playwright's sync API keeps an event loop running in the test thread; without this
# Django's ORM raises SynchronousOnlyOperation. Test runs only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_SERVICES = os.environ.get("HELPDESK_REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_BIN") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With HELPDESK_REQUIRE_SERVICES=1 a skipped test is a failed test: CI must run all."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"Skipped while HELPDESK_REQUIRE_SERVICES=1: {reason}"


def _empties_the_database(item) -> bool:
    """A transactional test (and a browser or live-server one) ends by emptying every table."""
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or "transactional_db" in names or "live_server" in names


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Put the reference data back once a transactional test has emptied the tables, so the
    next test meets the database as migrating left it, whatever order the tests run in
    (pytest-xdist hands each worker whole files in its own order)."""
    yield
    # After the session's last test the test database is gone already; no test needs it.
    if nextitem is not None and _empties_the_database(item):
        # As migrating left it: without configuration-audit entries for these rows.
        with item.config.stash[blocking_manager_key].unblock(), disable_auditlog():
            restore_reference_data()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_BACKEND = "notifications.sms.locmem.SmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The suite signs staff in with force_login, without a second factor; the tests of
    # two-factor sign-in (tests/accounts/test_two_factor.py) set the roles that need one.
    settings.HELPDESK_2FA_REQUIRED_ROLES = []
    sms_locmem.outbox.clear()
    # Cached report figures, API throttle counts and configuration belong to one test.
    cache.clear()
    config_cache_clear()
    # A request leaves its language active in the thread; every test starts in the default.
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Unit tests run Celery tasks in-process; integration tests use a real worker."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def reference_data(transactional_db):
    """Support levels, categories and role groups as migrating left them. A transactional
    test ends by emptying every table, so the next one must put these back."""
    restore_reference_data()


@pytest.fixture
def sms_outbox():
    return sms_locmem.outbox


# --- browser (real headless Chromium through Playwright)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


# --- fake outside services (real servers on 127.0.0.1)


@pytest.fixture
def fake_smtp():
    """A fake SMTP relay on a free port, accepting mail."""
    server = FakeSmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_sms_gateway():
    """A fake HTTP SMS gateway on a free port, answering every call."""
    gateway = FakeSmsGateway(seed=2026)
    gateway.start()
    yield gateway
    gateway.stop()


@pytest.fixture
def migrate(transactional_db):
    """Migrate the test database to some migrations and hand back the models as they
    were there; afterwards, back to the latest schema."""

    def to(targets):
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    yield to
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """A real OpenID Connect provider on 127.0.0.1 for the whole run (see tests/oidc_provider)."""
    provider = OidcProvider(tmp_path_factory.mktemp("oidc-provider"))
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def directory_server():
    """A real OpenLDAP server for the run (tests/accounts/directory_server.py)."""
    server = DirectoryServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def imap_server():
    """A real IMAP server (Debian's Dovecot) for the run (tests/intake/imap_server.py)."""
    server = ImapServer().start()
    yield server
    server.stop()


@pytest.fixture
def directory(directory_server, settings, monkeypatch, tmp_path):
    """The directory, holding only its base and groups, and the helpdesk configured for it
    by the environment variables an operator sets (read by settings.py itself)."""
    contents = Directory(directory_server)
    configured = settings_with(monkeypatch, tmp_path, **directory_environment(directory_server, contents.groups))
    for name, value in configured.items():
        if name.startswith(("AUTH_LDAP_", "HELPDESK_LDAP_")) or name == "AUTHENTICATION_BACKENDS":
            setattr(settings, name, value)
    return contents
