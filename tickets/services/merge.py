"""Merging a duplicate into the ticket it duplicates."""

from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import agent_can_act_at, agent_levels
from notifications.choices import NotificationKind

from ..choices import EventKind, LinkKind, Status
from ..exceptions import NotAllowedError, TicketError, TransitionError
from ..extensions import tickets_merged
from ..models import (
    Attachment,
    Comment,
    Ticket,
    TicketChecklistItem,
    TicketLink,
    TicketReminder,
    TicketWatcher,
    TimeEntry,
)
from .common import event_record
from .links import ticket_by_reference, tickets_lock
from .notices import ticket_notify
from .sla import ticket_sla_refresh


def _refuse(duplicate: Ticket, target: Ticket, by) -> None:
    if not agent_levels(by):
        raise NotAllowedError(_("Only support staff can merge tickets."))
    for ticket in (duplicate, target):
        if not agent_can_act_at(by, ticket.level):
            raise NotAllowedError(
                _("%(ref)s is above the levels you work: ask an agent of its level or a supervisor to merge.")
                % {"ref": ticket.reference}
            )
    if duplicate.merged_into_id is not None:
        raise TransitionError(_("%(ref)s was merged already.") % {"ref": duplicate.reference})
    if target.merged_into_id is not None:
        raise TransitionError(
            _("%(ref)s was itself merged into another ticket: merge into that one instead.") % {"ref": target.reference}
        )
    if duplicate.status == Status.CLOSED:
        raise TransitionError(_("%(ref)s is closed: a closed ticket is not merged.") % {"ref": duplicate.reference})
    if target.status == Status.CLOSED:
        raise TransitionError(
            _("%(ref)s is closed: merge into a ticket that is still being worked.") % {"ref": target.reference}
        )
    both_timed = TimeEntry.objects.filter(ticket=duplicate, ended_at__isnull=True).filter(
        Exists(TimeEntry.objects.filter(ticket=target, ended_at__isnull=True, agent=OuterRef("agent")))
    )
    if both_timed.exists():
        raise TransitionError(_("Someone has a timer running on both tickets: stop one of them first."))


@transaction.atomic
def ticket_merge(*, ticket_id: int, by, into_reference: str) -> Ticket:
    """Merge a duplicate into another ticket, in one transaction with both tickets locked
    (in id order): its replies and notes, files, time entries, reminders, checklist steps, watchers
    and links move to the target (what the target has already stays once); its requester
    follows the target; it is closed and points at the target. Its own audit trail, SLA
    history, notifications and rating stay with it. Staff who act at both levels merge;
    nothing merges into itself, twice, into a closed ticket or into a merged one."""
    target_id = ticket_by_reference(into_reference)
    if target_id == ticket_id:
        raise TicketError(_("A ticket cannot be merged into itself."))
    locked = tickets_lock(ticket_id, target_id)
    duplicate, target = locked[ticket_id], locked[target_id]
    _refuse(duplicate, target, by)
    now = timezone.now()

    # The duplicate's own request, kept in the target's conversation as its requester wrote it.
    Comment.objects.create(
        ticket=target,
        author=duplicate.requester,
        body=f"{duplicate.reference}: {duplicate.subject}\n\n{duplicate.description}",
        channel=duplicate.channel,
        created_at=duplicate.created_at,
    )
    Comment.objects.filter(ticket=duplicate).update(ticket=target)
    Attachment.objects.filter(ticket=duplicate).update(ticket=target)
    TimeEntry.objects.filter(ticket=duplicate).update(ticket=target)
    # An agent's reminder about the duplicate is about the work, which goes on on the target.
    TicketReminder.objects.filter(ticket=duplicate).update(ticket=target)
    # Steps follow the target's own, in their order.
    offset = TicketChecklistItem.objects.filter(ticket=target).aggregate(last=Max("position"))["last"] or 0
    TicketChecklistItem.objects.filter(ticket=duplicate).update(ticket=target, position=F("position") + offset)

    # Watchers: each person once; the target's requester hears of it already.
    TicketWatcher.objects.filter(ticket=duplicate).filter(
        Q(user_id=target.requester_id) | Exists(TicketWatcher.objects.filter(ticket=target, user=OuterRef("user")))
    ).delete()
    TicketWatcher.objects.filter(ticket=duplicate).update(ticket=target)
    carried = duplicate.requester_id != target.requester_id
    if carried:
        TicketWatcher.objects.get_or_create(
            ticket=target, user_id=duplicate.requester_id, defaults={"added_by": by, "created_at": now}
        )

    # Links to other tickets move; a link between the two stays on the duplicate, and one
    # the target has already is not made twice.
    others = ~Q(from_ticket=target) & ~Q(to_ticket=target)
    TicketLink.objects.filter(others, from_ticket=duplicate).filter(
        Exists(TicketLink.objects.filter(from_ticket=target, to_ticket=OuterRef("to_ticket"), kind=OuterRef("kind")))
    ).delete()
    TicketLink.objects.filter(others, from_ticket=duplicate).update(from_ticket=target)
    TicketLink.objects.filter(others, to_ticket=duplicate).filter(
        Exists(TicketLink.objects.filter(to_ticket=target, from_ticket=OuterRef("from_ticket"), kind=OuterRef("kind")))
    ).delete()
    TicketLink.objects.filter(others, to_ticket=duplicate).update(to_ticket=target)
    TicketLink.objects.get_or_create(
        from_ticket=duplicate, to_ticket=target, kind=LinkKind.DUPLICATE, defaults={"created_by": by}
    )

    # What the apps above tickets keep per ticket (devices, …).
    tickets_merged(duplicate_id=duplicate.pk, target_id=target.pk, by=by)

    event_record(duplicate, by, EventKind.MERGED, field="merged_into", new=target.reference, at=now)
    event_record(
        duplicate,
        by,
        EventKind.CLOSED,
        field="status",
        old=duplicate.status,
        new=Status.CLOSED,
        reason=_("Merged into %(ref)s.") % {"ref": target.reference},
        at=now,
    )
    event_record(target, by, EventKind.MERGED, field="merged_from", old=duplicate.reference, at=now)
    Ticket.objects.filter(pk=duplicate.pk).update(
        status=Status.CLOSED, closed_at=now, merged_into=target, updated_at=now
    )
    Ticket.objects.filter(pk=target.pk).update(updated_at=now)
    duplicate.refresh_from_db()
    target.refresh_from_db()
    ticket_sla_refresh(ticket=duplicate)

    requesters = [target.requester] + ([duplicate.requester] if carried else [])
    ticket_notify(
        kind=NotificationKind.MERGED,
        ticket=target,
        actor=by,
        people=requesters,
        context={"duplicate": duplicate, "target": target},
    )
    return target
