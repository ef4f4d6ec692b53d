"""Warnings of warranties and licences about to end, for supervisors: one notice per
asset, kind and date, however often the task runs."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from notifications.choices import NotificationKind
from notifications.services.queue import notification_queue

from ..choices import AssetStatus, ExpiryKind
from ..models import Asset

# Claims at most this many warnings per statement, so a first run over a large
# inventory writes its notices in bounded transactions.
CLAIM_BATCH = 500

# Insert a warning row for each asset whose date falls in the window and has not been
# warned about for that date; the rows that went in are the ones this run announces.
_CLAIM = """
INSERT INTO assets_assetexpirywarning (asset_id, kind, expires_on, warned_at)
SELECT a.id, %s, a.{column}, %s FROM assets_asset a
WHERE a.{column} >= %s AND a.{column} <= %s AND a.status <> %s
  AND NOT EXISTS (
    SELECT 1 FROM assets_assetexpirywarning w
    WHERE w.asset_id = a.id AND w.kind = %s AND w.expires_on = a.{column})
ORDER BY a.{column}, a.id
LIMIT %s
ON CONFLICT (asset_id, kind, expires_on) DO NOTHING
RETURNING asset_id, expires_on
"""
COLUMNS = {ExpiryKind.WARRANTY: "warranty_ends_on", ExpiryKind.LICENCE: "licence_expires_on"}


def asset_expiry_warn(*, today: datetime.date | None = None) -> int:
    """Claim and announce every warranty and licence ending within
    HELPDESK_ASSET_EXPIRY_WARNING_DAYS; returns how many notices were queued."""
    today = today or timezone.localdate()
    until = today + datetime.timedelta(days=settings.HELPDESK_ASSET_EXPIRY_WARNING_DAYS)
    supervisors = list(get_user_model().objects.filter(is_active=True, groups__name=Role.SUPERVISOR).distinct())
    announced = 0
    for kind, column in COLUMNS.items():
        while True:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(
                        _CLAIM.format(column=column),  # noqa: S608 - the column comes from COLUMNS
                        [kind, timezone.now(), today, until, AssetStatus.RETIRED, kind, CLAIM_BATCH],
                    )
                    claimed = cursor.fetchall()
                if not claimed:
                    break
                assets = Asset.objects.select_related("user", "vendor").in_bulk([asset_id for asset_id, _ in claimed])
                for asset_id, expires_on in claimed:
                    asset = assets[asset_id]
                    notification_queue(
                        kind=NotificationKind.ASSET_EXPIRING,
                        people=supervisors,
                        context={
                            "asset": asset,
                            "what": kind,
                            "expires_on": expires_on,
                            "days_left": (expires_on - today).days,
                            "asset_url": settings.HELPDESK_BASE_URL + reverse("assets:detail", args=[asset.tag]),
                        },
                    )
                    announced += 1
            if len(claimed) < CLAIM_BATCH:
                break
    return announced
