"""Many tickets filed at once (scheduled work such as preventive maintenance): the same
rows ``ticket_create`` writes for one ticket, written set by set.

Each ticket gets what a ticket filed alone gets: its priority from impact × urgency, its
level and ``level_entered_at``, its SLA columns and clock computed from the same policy
arithmetic, its CREATED event, its words for search (the database's triggers fire for a
bulk INSERT as for one row), its checklist, and the TICKET_CREATED notification when
anyone would receive it (a requester with an address, a subscribed webhook)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.choices import Level
from notifications.choices import WEBHOOK_EVENTS, NotificationKind
from notifications.selectors import webhook_endpoints_active
from sla.services import sla_clocks_start

from ..choices import Channel, EventKind, Impact, Urgency, priority_for
from ..exceptions import TicketError
from ..extensions import tickets_entered_levels
from ..models import SLA_COLUMNS, Category, Ticket, TicketChecklistItem, TicketEvent
from ..text import multi_line, single_line
from .checklist import checklist_items_for
from .notices import ticket_notify
from .sla import ticket_sla_start

BATCH_SIZE = 1000


@dataclass(frozen=True)
class NewTicket:
    """What one ticket of a batch is: its words, where it goes, its checklist."""

    subject: str
    description: str
    level: int
    category: Category | None = None
    impact: str = Impact.LOW
    urgency: str = Urgency.MEDIUM
    checklist: Sequence[str] = field(default_factory=tuple)


def _created_is_heard(requester) -> bool:
    if requester.email or requester.phone:
        return True
    event = next((event for event, kind in WEBHOOK_EVENTS.items() if kind == NotificationKind.TICKET_CREATED), None)
    return event is not None and any(event in (endpoint.events or []) for endpoint in webhook_endpoints_active())


@transaction.atomic
def tickets_create_batch(
    *, requester, tickets: Sequence[NewTicket], filed_by=None, channel: str = Channel.WEB
) -> list[Ticket]:
    """File every ticket of ``tickets`` for ``requester`` in one transaction, a few bulk
    INSERTs per thousand tickets; ``filed_by`` is who the CREATED events name (None: the
    helpdesk itself). Returns the tickets, with their ids, in the order given."""
    now = timezone.now()
    rows: list[Ticket] = []
    clocks: list = []
    # A new ticket's SLA schedule depends on its priority and category alone (no history,
    # the same filing instant): computed once per pair, copied onto each of its tickets.
    schedules: dict[tuple, tuple[dict, datetime | None]] = {}
    for spec in tickets:
        if spec.level not in Level.values or spec.impact not in Impact.values or spec.urgency not in Urgency.values:
            raise TicketError("A batch ticket needs a level, an impact and an urgency from the lists.")
        ticket = Ticket(
            requester=requester,
            subject=single_line(spec.subject)[:200],
            description=multi_line(spec.description),
            category=spec.category,
            impact=spec.impact,
            urgency=spec.urgency,
            priority=priority_for(impact=spec.impact, urgency=spec.urgency),
            level=spec.level,
            level_entered_at=now,
            channel=channel,
            created_at=now,
            updated_at=now,
        )
        key = (ticket.priority, ticket.category_id)
        if key not in schedules:
            next_check = ticket_sla_start(ticket=ticket)
            schedules[key] = ({column: getattr(ticket, column) for column in SLA_COLUMNS}, next_check)
        columns, next_check = schedules[key]
        for column, value in columns.items():
            setattr(ticket, column, value)
        clocks.append(next_check)
        rows.append(ticket)
    Ticket.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    sla_clocks_start(next_checks=[(ticket.pk, next_check) for ticket, next_check in zip(rows, clocks, strict=True)])
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                ticket_id=ticket.pk,
                actor=filed_by,
                kind=EventKind.CREATED,
                field="level",
                to_value=str(ticket.level),
                created_at=now,
            )
            for ticket in rows
        ],
        batch_size=BATCH_SIZE,
    )
    TicketChecklistItem.objects.bulk_create(
        [
            item
            for ticket, spec in zip(rows, tickets, strict=True)
            for item in checklist_items_for(ticket.pk, spec.checklist)
        ],
        batch_size=BATCH_SIZE,
    )
    if rows and _created_is_heard(requester):
        for ticket in rows:
            ticket_notify(kind=NotificationKind.TICKET_CREATED, ticket=ticket, actor=filed_by)
    tickets_entered_levels(levels=[ticket.level for ticket in rows])
    return rows
