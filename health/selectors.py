from dataclasses import dataclass
from datetime import datetime

from celery import current_app as celery_app
from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import Heartbeat
from .services import WORKER


@dataclass
class Check:
    ok: bool
    detail: str


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return Check(False, f"{type(exc).__name__}: {exc}")
    return Check(True, connection.vendor)


def broker_check() -> Check:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
    except Exception as exc:
        return Check(False, f"{type(exc).__name__}: {exc}")
    return Check(True, celery_app.conf.broker_url.split("://")[0])


def worker_check(*, now: datetime | None = None) -> Check:
    now = now or timezone.now()
    try:
        heartbeat = Heartbeat.objects.filter(name=WORKER).first()
    except Exception as exc:
        return Check(False, f"{type(exc).__name__}: {exc}")
    if heartbeat is None:
        return Check(False, "no heartbeat yet")
    age = now - heartbeat.beat_at
    ok = age <= settings.HELPDESK_HEARTBEAT_MAX_AGE
    return Check(ok, f"last heartbeat {int(age.total_seconds())} s ago at {heartbeat.beat_at.isoformat()}")
