"""Say plainly which real services the test run will use, and export their URLs.

Prints shell ``export`` lines on stdout (for ``eval`` in the Makefile) and a human
summary on stderr. Without PostgreSQL or Redis the suite runs on SQLite and skips only
the tests that need them; with HELPDESK_REQUIRE_SERVICES=1 a missing service fails.
"""

import os
import shlex
import socket
import sys
from urllib.parse import urlparse


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 0), timeout=2):
            return True
    except OSError:
        return False


def main() -> int:
    database_url = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk")
    broker_url = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
    required = os.environ.get("HELPDESK_REQUIRE_SERVICES") == "1"
    exports = {}
    missing = []
    if reachable(database_url):
        exports["DATABASE_URL"] = database_url
        print(f"Tests use PostgreSQL at {urlparse(database_url).netloc}.", file=sys.stderr)
    else:
        missing.append(f"PostgreSQL ({urlparse(database_url).netloc})")
    if reachable(broker_url):
        exports["CELERY_BROKER_URL"] = broker_url
        print(f"Tests use Redis at {urlparse(broker_url).netloc} as the Celery broker.", file=sys.stderr)
    else:
        missing.append(f"Redis ({urlparse(broker_url).netloc})")
    if missing:
        print(
            "NOT REACHABLE: " + ", ".join(missing) + ". The suite runs on SQLite and skips the tests that need "
            "these services" + (" — HELPDESK_REQUIRE_SERVICES=1 makes those skips failures." if required else "."),
            file=sys.stderr,
        )
    for name, value in exports.items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
