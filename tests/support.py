from contextlib import contextmanager

from kombu import pools

from helpdesk.celery import app as celery_app


def _reset_producers() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    pools.reset()


@contextmanager
def broker_at(url: str):
    """Point this process's Celery producer at another broker URL (e.g. a closed port)."""
    keys = ("broker_url", "broker_read_url", "broker_write_url")
    saved = {key: celery_app.conf[key] for key in keys}
    eager = celery_app.conf.task_always_eager
    celery_app.conf.update(dict.fromkeys(keys, url), task_always_eager=False)
    _reset_producers()
    try:
        yield
    finally:
        celery_app.conf.update(saved, task_always_eager=eager)
        _reset_producers()
