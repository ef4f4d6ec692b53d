"""Reads of the escalation app."""

from accounts.selectors import agent_can_act_at, agent_levels
from tickets.models import Ticket

from .models import Page


def page_waiting(*, ticket: Ticket, user) -> Page | None:
    """The latest page about ``ticket`` nobody has acknowledged yet, when ``user`` may
    acknowledge it (they were paged, or they work the ticket's level); else None."""
    if not getattr(user, "is_authenticated", False) or not agent_levels(user):
        return None
    waiting = Page.objects.filter(ticket=ticket, acknowledged_at__isnull=True).order_by("-created_at", "-id")
    if not agent_can_act_at(user, ticket.level):
        waiting = waiting.filter(paged=user)
    return waiting.first()
