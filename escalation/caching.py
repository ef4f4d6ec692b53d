"""A per-process cache of configuration read on every ticket change and changed rarely
(SLA policies, business calendars, webhook endpoints). Saving or deleting one of those rows clears it in
the process that saved it at once (see apps.py); other processes (web workers, Celery
workers) see the change within HELPDESK_CONFIG_CACHE_SECONDS."""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from django.conf import settings

_lock = threading.Lock()
_store: dict[tuple[str, Hashable], tuple[float, Any]] = {}


def config_cached(namespace: str, key: Hashable, compute: Callable[[], Any]) -> Any:
    now = time.monotonic()
    with _lock:
        hit = _store.get((namespace, key))
    if hit is not None and hit[0] > now:
        return hit[1]
    value = compute()
    with _lock:
        _store[(namespace, key)] = (now + settings.HELPDESK_CONFIG_CACHE_SECONDS, value)
    return value


def config_cache_clear(**kwargs) -> None:
    with _lock:
        _store.clear()
