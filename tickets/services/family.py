"""Parent and child tickets: one outage reported by many people, worked as one ticket.

A child names its parent; resolving the parent resolves its open children, each through
the resolve service (so each is audited and its requester told), and a child that cannot
be resolved is reported and left as it was without holding back the others."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import OPEN_STATUSES, EventKind, Status
from ..exceptions import TicketError, TransitionError
from ..models import Ticket, pk_from_reference
from .common import event_record, require_staff_at, ticket_lock
from .lifecycle import ticket_resolve

# How far up a chain of parents the cycle check looks: deeper chains are refused, so the
# check always ends.
MAX_DEPTH = 20


@dataclass(frozen=True)
class TicketOutcome:
    """What one ticket of a set-wide action came to: done, or refused and why."""

    ticket_id: int
    reference: str
    done: bool
    message: str = ""


@transaction.atomic
def ticket_parent_set(*, ticket_id: int, by, parent_reference: str) -> Ticket:
    """Make ``parent_reference`` the ticket's parent: never the ticket itself, one of its
    own descendants (a cycle), or a ticket that is closed or resolved; the child must not
    be closed. The child's history records the change."""
    reference = (parent_reference or "").strip()[:40]
    parent_id = pk_from_reference(reference)
    if parent_id is None:
        raise TicketError(_("“%(ref)s” is not a ticket reference (HD-000123).") % {"ref": reference})
    ticket = ticket_lock(ticket_id)
    require_staff_at(by, ticket)
    if ticket.status == Status.CLOSED:
        raise TransitionError(_("%(ref)s is closed: it cannot be given a parent.") % {"ref": ticket.reference})
    if parent_id == ticket.pk:
        raise TicketError(_("A ticket cannot be its own parent."))
    parent = Ticket.objects.filter(pk=parent_id).only("id", "status", "parent_id").first()
    if parent is None:
        raise TicketError(_("There is no ticket %(ref)s.") % {"ref": reference.upper()})
    if parent.status not in OPEN_STATUSES:
        raise TransitionError(
            _("%(ref)s is “%(status)s”: only an open ticket can be a parent.")
            % {"ref": parent.reference, "status": parent.get_status_display()}
        )
    _refuse_cycle(child=ticket, parent=parent)
    if ticket.parent_id == parent.pk:
        return ticket
    now = timezone.now()
    old = Ticket(pk=ticket.parent_id).reference if ticket.parent_id else ""
    event_record(ticket, by, EventKind.PARENT_SET, field="parent", old=old, new=parent.reference, at=now)
    ticket.parent_id = parent.pk
    ticket.updated_at = now
    ticket.save(update_fields=["parent", "updated_at"])
    return ticket


def _refuse_cycle(*, child: Ticket, parent: Ticket) -> None:
    """Walk up from the new parent: reaching the child would close a loop."""
    seen = {parent.pk}
    above = parent.parent_id
    for _step in range(MAX_DEPTH):
        if above is None:
            return
        if above == child.pk:
            raise TicketError(
                _("%(parent)s is already below %(child)s: a ticket cannot be the parent of its own parent.")
                % {"parent": parent.reference, "child": child.reference}
            )
        if above in seen:
            return
        seen.add(above)
        above = Ticket.objects.filter(pk=above).values_list("parent_id", flat=True).first()
    raise TicketError(_("That chain of parent tickets is too long; choose a ticket nearer the top."))


@transaction.atomic
def ticket_parent_clear(*, ticket_id: int, by) -> Ticket:
    """Take the ticket out from under its parent (nothing to do when it has none)."""
    ticket = ticket_lock(ticket_id)
    require_staff_at(by, ticket)
    if ticket.parent_id is None:
        return ticket
    now = timezone.now()
    event_record(
        ticket, by, EventKind.PARENT_CLEARED, field="parent", old=Ticket(pk=ticket.parent_id).reference, new="", at=now
    )
    ticket.parent_id = None
    ticket.updated_at = now
    ticket.save(update_fields=["parent", "updated_at"])
    return ticket


def tickets_resolve_each(*, ticket_ids, by, resolution: str) -> list[TicketOutcome]:
    """Resolve each ticket through ``ticket_resolve``, each in a savepoint of its own: one
    refused (a checklist left, a level above ``by``, a vendor wait) is reported and rolled
    back alone. Call inside a transaction."""
    ids = sorted(set(ticket_ids))
    existing = set(Ticket.objects.filter(pk__in=ids).values_list("pk", flat=True))
    outcomes = []
    for pk in ids:
        if pk not in existing:
            continue
        reference = Ticket(pk=pk).reference
        try:
            with transaction.atomic():
                ticket_resolve(ticket_id=pk, by=by, resolution=resolution)
        except TicketError as error:
            outcomes.append(TicketOutcome(ticket_id=pk, reference=reference, done=False, message=str(error.message)))
        else:
            outcomes.append(TicketOutcome(ticket_id=pk, reference=reference, done=True))
    return outcomes


def open_descendant_ids(ticket_id: int) -> list[int]:
    """The open tickets below this one, children first, then theirs (one query a level)."""
    found: list[int] = []
    level = [ticket_id]
    seen = {ticket_id}
    for _step in range(MAX_DEPTH):
        below = list(
            Ticket.objects.filter(parent_id__in=level, status__in=OPEN_STATUSES)
            .exclude(pk__in=seen)
            .values_list("pk", flat=True)
        )
        if not below:
            break
        seen.update(below)
        found.extend(sorted(below))
        level = below
    return found


@transaction.atomic
def ticket_resolve_with_children(*, ticket_id: int, by, resolution: str) -> tuple[Ticket, list[TicketOutcome]]:
    """Resolve a ticket, then each of its open children (and theirs) with the same
    summary: the parent's refusal refuses everything; a child's is reported alone."""
    ticket = ticket_resolve(ticket_id=ticket_id, by=by, resolution=resolution)
    children = open_descendant_ids(ticket.pk)
    if not children:
        return ticket, []
    return ticket, tickets_resolve_each(ticket_ids=children, by=by, resolution=ticket.resolution)
