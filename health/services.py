from django.utils import timezone

from .models import Heartbeat

WORKER = "worker"


def heartbeat_record(*, name: str = WORKER, at=None) -> Heartbeat:
    """Record that a process is alive now (one row per name, updated in place)."""
    heartbeat, _created = Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": at or timezone.now()})
    return heartbeat
