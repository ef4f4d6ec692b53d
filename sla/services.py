"""Writes of the SLA app: when the sweep must next look at a ticket."""

from datetime import datetime

from .models import SlaClock


def sla_clock_start(*, ticket_id: int, next_check_at: datetime | None) -> SlaClock:
    """The clock row of a ticket just filed (one INSERT)."""
    return SlaClock.objects.create(ticket_id=ticket_id, next_check_at=next_check_at)


def sla_clock_set(*, ticket_id: int, next_check_at: datetime | None) -> None:
    """Point the ticket's clock at its next threshold (None: nothing ahead)."""
    SlaClock.objects.update_or_create(ticket_id=ticket_id, defaults={"next_check_at": next_check_at})


def sla_clocks_start(*, next_checks: list[tuple[int, datetime | None]]) -> None:
    """The clock rows of many tickets just filed ((ticket id, next check) pairs), a few
    bulk INSERTs."""
    SlaClock.objects.bulk_create(
        [SlaClock(ticket_id=ticket_id, next_check_at=next_check_at) for ticket_id, next_check_at in next_checks],
        batch_size=1000,
    )
