"""Links between tickets: related, a duplicate of, caused by."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..choices import EventKind, LinkKind
from ..exceptions import TicketError
from ..models import Ticket, TicketLink, pk_from_reference
from ..text import single_line
from .common import event_record, require_staff_at, ticket_lock


def tickets_lock(*ticket_ids: int) -> dict[int, Ticket]:
    """Lock these tickets in id order (so two writers locking the same pair never wait on
    each other crosswise); every one must exist."""
    locked = {}
    for pk in sorted(set(ticket_ids)):
        locked[pk] = ticket_lock(pk)
    return locked


def ticket_by_reference(reference: str) -> int:
    """The id a reference names; an error when it names no ticket."""
    pk = pk_from_reference(single_line(str(reference or ""))[:40])
    if pk is None or not Ticket.objects.filter(pk=pk).exists():
        raise TicketError(_("No ticket has that reference: give one like HD-000123."))
    return pk


@transaction.atomic
def ticket_link_add(*, ticket_id: int, by, to_reference: str, kind: str = LinkKind.RELATED) -> TicketLink:
    """Name another ticket from this one (staff at this ticket's level). A ticket is never
    linked to itself, and a pair once per kind."""
    if kind not in LinkKind.values:
        raise TicketError(_("Choose how the tickets are linked from the list."))
    other_id = ticket_by_reference(to_reference)
    if other_id == ticket_id:
        raise TicketError(_("A ticket cannot be linked to itself."))
    tickets = tickets_lock(ticket_id, other_id)
    ticket, other = tickets[ticket_id], tickets[other_id]
    require_staff_at(by, ticket)
    if TicketLink.objects.filter(from_ticket=ticket, to_ticket=other, kind=kind).exists():
        raise TicketError(_("%(ref)s is linked that way already.") % {"ref": other.reference})
    try:
        with transaction.atomic():
            link = TicketLink.objects.create(from_ticket=ticket, to_ticket=other, kind=kind, created_by=by)
    except IntegrityError:  # pragma: no cover - both tickets are locked
        raise TicketError(_("%(ref)s is linked that way already.") % {"ref": other.reference}) from None
    event_record(ticket, by, EventKind.LINK_ADDED, field="link", old=kind, new=other.reference)
    event_record(other, by, EventKind.LINK_ADDED, field="link_in", old=kind, new=ticket.reference)
    return link


@transaction.atomic
def ticket_link_remove(*, ticket_id: int, by, link_id: int) -> None:
    """Remove a link shown on this ticket (either direction; staff at this ticket's level)."""
    link = TicketLink.objects.filter(pk=link_id).first()
    if link is None or ticket_id not in (link.from_ticket_id, link.to_ticket_id):
        raise TicketError(_("That link is not on this ticket."))
    tickets = tickets_lock(link.from_ticket_id, link.to_ticket_id)
    require_staff_at(by, tickets[ticket_id])
    source, target = tickets[link.from_ticket_id], tickets[link.to_ticket_id]
    deleted, _rows = TicketLink.objects.filter(pk=link.pk).delete()
    if not deleted:  # pragma: no cover - removed by another request meanwhile
        raise TicketError(_("That link is not on this ticket."))
    event_record(source, by, EventKind.LINK_REMOVED, field="link", old=link.kind, new=target.reference)
    event_record(target, by, EventKind.LINK_REMOVED, field="link_in", old=link.kind, new=source.reference)
