"""The cache backend named in settings: Django's Redis cache, keeping its redis-py clients."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _Client(RedisCacheClient):
    """Django makes a new redis-py client for every cache call, and making one costs more
    CPU than the call (the client copies its table of commands); every API request makes
    two calls, for its throttle (bench/api.py). A client is safe to share between threads
    (each command borrows a connection from the pool), so one is kept per pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _Client
