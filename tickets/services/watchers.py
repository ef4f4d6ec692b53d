"""Who follows a ticket besides its requester: colleagues copied in, and staff of other levels."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import agent_can_act_at, agent_levels

from ..choices import EventKind, Status
from ..exceptions import NotAllowedError, TicketError, TransitionError
from ..models import Ticket, TicketWatcher
from ..text import single_line
from .common import event_record, is_requester, ticket_lock

# Longer than any address (RFC 5321 allows 254 characters).
EMAIL_MAX = 254


def is_watcher(user, ticket: Ticket) -> bool:
    """Whether ``user`` follows ``ticket`` (one indexed lookup)."""
    return bool(
        user is not None
        and user.is_authenticated
        and TicketWatcher.objects.filter(ticket_id=ticket.pk, user_id=user.pk).exists()
    )


def _require_followable(ticket: Ticket) -> None:
    if ticket.merged_into_id is not None:
        raise TransitionError(
            _("%(ref)s was merged into %(target)s: follow that one instead.")
            % {"ref": ticket.reference, "target": ticket.merged_into.reference if ticket.merged_into else ""}
        )
    if ticket.status == Status.CLOSED:
        raise TransitionError(_("%(ref)s is closed: nobody new can follow it.") % {"ref": ticket.reference})


def _watcher_create(ticket: Ticket, *, user, by) -> TicketWatcher:
    if user.pk == ticket.requester_id:
        raise TicketError(_("%(name)s filed this ticket and hears of it already.") % {"name": user})
    if TicketWatcher.objects.filter(ticket=ticket, user=user).exists():
        raise TicketError(_("%(name)s already follows this ticket.") % {"name": user})
    now = timezone.now()
    try:
        with transaction.atomic():
            watcher = TicketWatcher.objects.create(ticket=ticket, user=user, added_by=by, created_at=now)
    except IntegrityError:  # pragma: no cover - the ticket is locked, so only a race outside it
        raise TicketError(_("%(name)s already follows this ticket.") % {"name": user}) from None
    event_record(ticket, by, EventKind.WATCHER_ADDED, field="watcher", new=user.username, at=now)
    return watcher


@transaction.atomic
def watcher_add(*, ticket_id: int, by, email: str) -> TicketWatcher:
    """Copy a colleague in: the requester, or staff who work the ticket's level, name an
    active person by their exact email address. Nobody else's address is suggested or
    confirmed: an address that is not a colleague's is refused with the same words
    whether or not it exists."""
    ticket = ticket_lock(ticket_id)
    staff_here = bool(agent_levels(by)) and agent_can_act_at(by, ticket.level)
    if not (is_requester(by, ticket) or staff_here):
        raise NotAllowedError(_("Only the requester, or support staff at the ticket's level, can copy people in."))
    _require_followable(ticket)
    address = single_line(email or "")
    if not address or len(address) > EMAIL_MAX or "@" not in address:
        raise TicketError(_("Give your colleague's email address."))
    colleague = get_user_model().objects.filter(email__iexact=address, is_active=True).order_by("pk").first()
    if colleague is None:
        raise TicketError(_("No such colleague: check the email address."))
    return _watcher_create(ticket, user=colleague, by=by)


@transaction.atomic
def ticket_follow(*, ticket_id: int, by) -> TicketWatcher:
    """A member of staff follows a ticket of any level (to gather information with the
    agents who work it): they may then reply and write notes on it, but not take or move it."""
    ticket = ticket_lock(ticket_id)
    if not agent_levels(by):
        raise NotAllowedError(_("Only support staff can follow a ticket; ask the requester to copy you in."))
    _require_followable(ticket)
    return _watcher_create(ticket, user=by, by=by)


@transaction.atomic
def watcher_remove(*, ticket_id: int, by, user_id: int) -> None:
    """Stop someone following: themselves, the ticket's requester, or staff who work its level."""
    ticket = ticket_lock(ticket_id)
    watcher = TicketWatcher.objects.select_related("user").filter(ticket=ticket, user_id=user_id).first()
    allowed = (
        by.pk == user_id or is_requester(by, ticket) or (bool(agent_levels(by)) and agent_can_act_at(by, ticket.level))
    )
    if not allowed:
        raise NotAllowedError(_("Only the watcher, the requester or support staff at the ticket's level can do this."))
    if watcher is None:
        raise TicketError(_("That person does not follow this ticket."))
    watcher.delete()
    event_record(ticket, by, EventKind.WATCHER_REMOVED, field="watcher", old=watcher.user.username)
