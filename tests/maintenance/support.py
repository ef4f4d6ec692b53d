"""Assets and plans the maintenance tests share."""

from datetime import datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from assets.models import Asset
from maintenance.services import PlanFields, plan_create
from tests.factories import make_supervisor

_tags = count(1)


def asset(asset_type: str = "server", **fields) -> Asset:
    number = next(_tags)
    return Asset.objects.create(tag=f"SRV-{number:04d}", asset_type=asset_type, name=f"Server {number}", **fields)


def plan(*, by=None, rrule: str = "FREQ=MONTHLY;BYDAY=1MO", start: datetime | None = None, **fields):
    by = by or make_supervisor()
    zone = fields.pop("time_zone", "Asia/Jakarta")
    start = start or datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo(zone))
    if "asset" not in fields and "asset_type" not in fields:
        fields["asset"] = asset()
    values = {
        "name": "Check the backups",
        "rrule": rrule,
        "dtstart": start,
        "time_zone": zone,
        "level": 2,
        "checklist": ("Read the backup log", "Restore one file"),
        "lead_time": timedelta(days=1),
        **fields,
    }
    return plan_create(by=by, fields=PlanFields(**values))
