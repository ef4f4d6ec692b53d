import threading

import pytest

from helpdesk.cache import RedisCache


@pytest.fixture
def redis_cache(settings):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs Redis")
    cache = RedisCache(settings.CELERY_BROKER_URL, {"KEY_PREFIX": "test-cache"})
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


def test_one_client_serves_every_call_and_every_thread(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client

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
    assert redis_cache._cache.get_client() is client
