"""Reads of the satisfaction app."""

from tickets.models import Ticket

from .models import Rating


def rating_of(*, ticket: Ticket) -> Rating | None:
    """The ticket's rating, if it has one."""
    return Rating.objects.filter(ticket=ticket).first()
