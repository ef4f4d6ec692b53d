"""What every ticket service does first: lock the ticket, check who may act, record the event."""

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Level
from accounts.selectors import agent_can_act_at, agent_levels

from ..choices import OPEN_STATUSES
from ..exceptions import NotAllowedError, TicketError, TransitionError
from ..models import Ticket, TicketEvent
from ..text import multi_line


def event_record(ticket: Ticket, actor, kind: str, *, field="", old="", new="", reason="", at=None) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        field=field,
        from_value="" if old is None else str(old),
        to_value="" if new is None else str(new),
        reason=reason,
        created_at=at or timezone.now(),
    )


def ticket_lock(ticket_id: int) -> Ticket:
    try:
        return Ticket.objects.select_for_update(of=("self",)).select_related("requester").get(pk=ticket_id)
    except Ticket.DoesNotExist:
        raise TicketError(_("That ticket does not exist.")) from None


def require_staff_at(user, ticket: Ticket) -> None:
    if not agent_levels(user):
        raise NotAllowedError(_("Only support staff can do this."))
    if not agent_can_act_at(user, ticket.level):
        raise NotAllowedError(
            _("%(ref)s is at %(level)s, above the levels you work. Ask a %(level)s agent or a supervisor.")
            % {"ref": ticket.reference, "level": Level(ticket.level).label}
        )


def is_requester(user, ticket: Ticket) -> bool:
    return user.is_authenticated and ticket.requester_id == user.pk


def require_open(ticket: Ticket, message: str) -> None:
    """Refuse a change to a finished ticket; ``message`` names %(ref)s and %(status)s."""
    if ticket.status not in OPEN_STATUSES:
        raise TransitionError(message % {"ref": ticket.reference, "status": ticket.get_status_display()})


def require_text(value: str, message: str) -> str:
    """The text cleaned of control characters (tickets.text.multi_line); an error with
    this message when nothing is left."""
    value = multi_line(value)
    if not value:
        raise TicketError(message)
    return value


def require_requester_or_staff(user, ticket: Ticket) -> None:
    if not is_requester(user, ticket):
        require_staff_at(user, ticket)
