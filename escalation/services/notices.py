"""Who hears of an SLA warning or breach, and of a supervisor page."""

from accounts.selectors import level_agents, level_supervisors
from notifications.choices import NotificationKind
from sla.choices import SlaThreshold
from sla.models import SlaEvent
from tickets.models import Ticket
from tickets.services import ticket_notify

from .pages import page_is_for, page_send


def sla_audience(*, kind: str, ticket: Ticket) -> list:
    """An SLA warning goes to the assignee, or the level's agents while unassigned; a
    breach to the same people and the level's supervisors."""
    people = [ticket.assignee] if ticket.assignee is not None else list(level_agents(level=ticket.level))
    if kind == NotificationKind.SLA_BREACH:
        people += [person for person in level_supervisors(level=ticket.level) if person not in people]
    return people


def sla_notice_queue(*, event: SlaEvent) -> list:
    """The notifications of one SLA event, written in the caller's transaction."""
    kind = NotificationKind.SLA_BREACH if event.threshold == SlaThreshold.BREACHED else NotificationKind.SLA_WARNING
    ticket = event.ticket
    if page_is_for(ticket=ticket, kind=kind):
        return page_send(
            kind=kind,
            ticket=ticket,
            people=sla_audience(kind=kind, ticket=ticket),
            sla_event=event,
            data={"metric": event.metric, "threshold": event.threshold, "due_at": event.due_at},
        )
    return ticket_notify(
        kind=kind,
        ticket=ticket,
        people=sla_audience(kind=kind, ticket=ticket),
        context={"event": event},
        data={"metric": event.metric, "threshold": event.threshold, "due_at": event.due_at},
    )


def supervisor_page_queue(*, ticket: Ticket, rule) -> list:
    """Page the supervisors of the ticket's level because an escalation rule said so."""
    return page_send(
        kind=NotificationKind.SUPERVISOR_PAGE, ticket=ticket, people=level_supervisors(level=ticket.level), rule=rule
    )
