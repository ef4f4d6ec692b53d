"""The demo's saved views of the ticket list (tickets:list), shared with all staff."""

from django.http import QueryDict

from tickets.models import SavedView
from tickets.services import saved_view_save

DEMO_VIEWS = (
    ("My pending on customer", "status=pending&assignee=me"),
    ("P1 this week", "priority=1&created_within=7"),
    ("Breached now", "overdue=true&sort=due"),
)


def demo_saved_views_ensure(*, users: dict) -> int:
    """The demo's saved views, owned by the supervisor and shared: added once (by name)."""
    owner = users["supervisor"]
    added = 0
    for name, query in DEMO_VIEWS:
        if not SavedView.objects.filter(owner=owner, name=name).exists():
            saved_view_save(by=owner, name=name, params=QueryDict(query), shared=True)
            added += 1
    return added
