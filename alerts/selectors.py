"""Reads of the alerts app: the mappings the settings describe, and what an alert's ticket
has been through."""

from functools import lru_cache

from django.conf import settings
from django.db.models.functions import Lower

from assets.models import Asset
from tickets.models import Category, Comment, Ticket

# The priority of a severity the mapping does not name.
UNKNOWN_SEVERITY_PRIORITY = 3


@lru_cache(maxsize=8)
def _severity_map(setting: str) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for item in setting.split(","):
        name, _sep, priority = item.partition("=")
        try:
            number = int(priority.strip())
        except ValueError:
            continue
        if name.strip() and 1 <= number <= 4:
            mapping[name.strip().lower()] = number
    return mapping


def severity_priority(*, severity: str) -> int:
    """The priority (1-4) HELPDESK_ALERTS_SEVERITY_PRIORITIES gives a severity; P3 when unnamed."""
    return _severity_map(settings.HELPDESK_ALERTS_SEVERITY_PRIORITIES).get(
        (severity or "").strip().lower(), UNKNOWN_SEVERITY_PRIORITY
    )


def alert_category(*, labels: dict) -> Category | None:
    """The active category named (case aside) by the first of HELPDESK_ALERTS_CATEGORY_LABELS
    an alert has; None when none names one."""
    for label in settings.HELPDESK_ALERTS_CATEGORY_LABELS:
        value = (labels.get(label) or "").strip()
        if value:
            category = Category.objects.filter(name__iexact=value, is_active=True).first()
            if category is not None:
                return category
    return None


def asset_for_host(*, host: str) -> Asset | None:
    """The one asset whose host name is the alert's host (case aside); None for none or several."""
    if not host:
        return None
    found = list(Asset.objects.annotate(low=Lower("host_name")).filter(low=host.lower())[:2])
    return found[0] if len(found) == 1 else None


def alert_ticket_worked(*, ticket: Ticket) -> bool:
    """Whether anyone has worked the ticket: it has an assignee, or someone other than the
    requester (the monitoring account) wrote on it."""
    if ticket.assignee_id is not None:
        return True
    return Comment.objects.filter(ticket_id=ticket.pk).exclude(author_id=ticket.requester_id).exists()
