"""One change made to many tickets at once (a queue's bulk action bar, the API's bulk
endpoint): each ticket goes through the same service as when it is changed alone, so it
is checked, audited and notified as usual, each in its own transaction. A ticket the
service refuses (a level rule, a closed ticket, a level the person does not work) is
reported with the service's own words and never undoes the others.

Apps above ``tickets`` add actions of their own (a canned reply, from ``replies``) with
:func:`bulk_action_register` from their ``AppConfig.ready()``; ``tickets`` never imports
them."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import agent_levels

from ..exceptions import NotAllowedError, TicketError
from ..models import Ticket, pk_from_reference
from .lifecycle import ticket_change_status, ticket_reclassify
from .ownership import ticket_assign, ticket_deescalate, ticket_escalate, ticket_take


@dataclass(frozen=True)
class BulkAction:
    """An action of the bulk bar: ``perform(ticket=..., by=..., params=...)`` changes one
    ticket (loaded, not locked: the service it calls locks it) in one transaction of its
    own (an atomic service) or raises a TicketError;
    ``needs`` names the params it requires; ``options(user)`` gives the choices of its
    one option field (a canned reply), when it has one."""

    name: str
    label: Any
    perform: Callable[..., Any]
    needs: tuple[str, ...] = ()
    options: Callable[[Any], list[tuple[Any, str]]] | None = None


@dataclass(frozen=True)
class BulkOutcome:
    """What became of one ticket of a bulk action."""

    reference: str
    done: bool
    message: str = ""
    ticket: Ticket | None = None


def _take(*, ticket, by, params):
    return ticket_take(ticket_id=ticket.pk, by=by)


def _assign(*, ticket, by, params):
    return ticket_assign(ticket_id=ticket.pk, by=by, assignee=params.get("assignee"))


def _priority(*, ticket, by, params):
    return ticket_reclassify(
        ticket_id=ticket.pk, by=by, impact=params["impact"], urgency=params["urgency"], category=ticket.category
    )


def _status(*, ticket, by, params):
    return ticket_change_status(ticket_id=ticket.pk, by=by, status=params["status"], reason=params.get("reason", ""))


def _escalate(*, ticket, by, params):
    return ticket_escalate(ticket_id=ticket.pk, by=by, reason=params["reason"])


def _deescalate(*, ticket, by, params):
    return ticket_deescalate(ticket_id=ticket.pk, by=by, reason=params["reason"])


_ACTIONS: dict[str, BulkAction] = {
    action.name: action
    for action in (
        BulkAction("take", gettext_lazy("Take"), _take),
        BulkAction("assign", gettext_lazy("Assign to"), _assign, needs=("assignee",)),
        BulkAction("priority", gettext_lazy("Change priority"), _priority, needs=("impact", "urgency")),
        BulkAction("status", gettext_lazy("Change status"), _status, needs=("status",)),
        BulkAction("escalate", gettext_lazy("Escalate"), _escalate, needs=("reason",)),
        BulkAction("deescalate", gettext_lazy("Send back down"), _deescalate, needs=("reason",)),
    )
}


def bulk_action_register(action: BulkAction) -> None:
    _ACTIONS[action.name] = action


def bulk_actions() -> list[BulkAction]:
    return list(_ACTIONS.values())


def bulk_max_tickets() -> int:
    return settings.HELPDESK_BULK_MAX_TICKETS


def bulk_references(values: Sequence[str]) -> list[str]:
    """The references asked for, cleaned (upper case, no blanks), each once, in order."""
    seen: dict[str, None] = {}
    for value in values:
        text = str(value).strip().upper()
        if text:
            seen.setdefault(text, None)
    return list(seen)


def bulk_too_many_message(count: int) -> str:
    return _("%(count)s tickets were chosen; a bulk action changes at most %(limit)s at a time.") % {
        "count": count,
        "limit": bulk_max_tickets(),
    }


def tickets_bulk_apply(*, by, references: Sequence[str], action: str, params: dict) -> list[BulkOutcome]:
    """Apply ``action`` to every ticket of ``references`` (HD-numbers), one by one through
    its service, each in its own transaction; one outcome per reference, in order.

    Who may act is decided by each service per ticket (the same rule as one at a time),
    so a requester or an agent below a ticket's level gets that ticket refused. Tickets
    are read in one query; a reference that names no ticket is refused as not found."""
    chosen = _ACTIONS.get(action)
    if chosen is None:
        raise TicketError(_("Choose an action from the list."))
    missing = [name for name in chosen.needs if name not in params]
    if missing:
        raise TicketError(_("This action needs: %(fields)s.") % {"fields": ", ".join(missing)})
    references = bulk_references(references)
    if not references:
        raise TicketError(_("Choose at least one ticket."))
    if len(references) > bulk_max_tickets():
        raise TicketError(bulk_too_many_message(len(references)))
    ids = {reference: pk_from_reference(reference) for reference in references}
    tickets = Ticket.objects.select_related("requester", "assignee", "category").in_bulk(
        [pk for pk in ids.values() if pk is not None]
    )
    staff = bool(agent_levels(by))
    outcomes = []
    for reference in references:
        pk = ids[reference]
        ticket = tickets.get(pk) if pk is not None else None
        if ticket is None or (not staff and ticket.requester_id != by.pk):
            # Requesters learn nothing of tickets not theirs, as on a ticket's page.
            outcomes.append(BulkOutcome(reference, False, _("No ticket %(ref)s was found.") % {"ref": reference}))
            continue
        try:
            if not staff:
                raise NotAllowedError(_("Only support staff can do this."))
            # Each service is a transaction of its own (an extension's too, by contract).
            changed = chosen.perform(ticket=ticket, by=by, params=params)
        except TicketError as exc:
            outcomes.append(BulkOutcome(ticket.reference, False, str(exc.message), ticket))
        else:
            outcomes.append(BulkOutcome(ticket.reference, True, "", changed if isinstance(changed, Ticket) else ticket))
    return outcomes
