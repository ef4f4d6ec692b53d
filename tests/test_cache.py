"""The shared cache: django-redis when HELPDESK_CACHE_URL names Redis."""

import runpy
import threading
from pathlib import Path

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.utils.module_loading import import_string
from django_redis.cache import RedisCache

SETTINGS = Path(__file__).resolve().parent.parent / "helpdesk" / "settings.py"


def caches_with(monkeypatch, tmp_path, cache_url: str | None) -> dict:
    monkeypatch.setenv("HELPDESK_VAR_DIR", str(tmp_path))
    if cache_url is None:
        monkeypatch.delenv("HELPDESK_CACHE_URL", raising=False)
    else:
        monkeypatch.setenv("HELPDESK_CACHE_URL", cache_url)
    return runpy.run_path(str(SETTINGS)).get("CACHES", {})


def test_a_redis_cache_url_selects_django_redis(monkeypatch, tmp_path):
    caches = caches_with(monkeypatch, tmp_path, "redis://cache.example.com:6379/2")

    assert caches["default"]["LOCATION"] == "redis://cache.example.com:6379/2"
    assert import_string(caches["default"]["BACKEND"]) is RedisCache


def test_without_a_cache_url_each_process_caches_in_its_own_memory(monkeypatch, tmp_path):
    caches = caches_with(monkeypatch, tmp_path, None)

    default = caches.get("default", {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"})
    assert import_string(default["BACKEND"]) is LocMemCache


@pytest.fixture
def redis_cache(settings):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs Redis")
    cache = RedisCache(settings.CELERY_BROKER_URL, {"KEY_PREFIX": "test-cache"})
    # One client per connection pool, whatever the number of calls.
    assert cache.client.get_client(write=True) is cache.client.get_client(write=True)
    yield cache
    cache.delete_many(["figures", "hits", *[f"thread-{n}" for n in range(8)]])


def test_the_cache_stores_reads_counts_and_forgets(redis_cache):
    redis_cache.set("figures", {"open": 12, "breached": [1, 2]}, 30)
    assert redis_cache.get("figures") == {"open": 12, "breached": [1, 2]}
    assert redis_cache.add("hits", 1, 30) is True
    assert redis_cache.add("hits", 1, 30) is False
    assert redis_cache.incr("hits") == 2
    redis_cache.delete("figures")
    assert redis_cache.get("figures", "gone") == "gone"


def test_threads_sharing_the_cache_each_read_what_they_wrote(redis_cache):
    seen: dict[int, list] = {}

    def work(n: int) -> None:
        for _round in range(50):
            redis_cache.set(f"thread-{n}", n, 30)
            seen.setdefault(n, []).append(redis_cache.get(f"thread-{n}"))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert seen == {n: [n] * 50 for n in range(8)}
