"""A ticket's checklist: steps ticked, unticked or skipped with a reason by staff who work
the ticket, each change an (internal) audit event; resolving waits until none is open."""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..choices import EventKind
from ..exceptions import TicketError, TransitionError
from ..models import Ticket, TicketChecklistItem
from ..text import single_line
from .common import event_record, require_open, require_staff_at, ticket_lock

STEP_MAX_LENGTH = 500
# Steps a ticket may carry: a checklist longer than this is a procedure, not a checklist.
MAX_STEPS = 100
ACTIONS = ("done", "undone", "skip")


def checklist_steps_cleaned(steps: Sequence[str]) -> list[str]:
    """The steps as stored: one line each, empty ones dropped; refused when one is too long
    or there are too many."""
    cleaned = [single_line(step) for step in steps]
    cleaned = [step for step in cleaned if step]
    if len(cleaned) > MAX_STEPS:
        raise TicketError(_("A checklist has at most %(count)d steps.") % {"count": MAX_STEPS})
    for step in cleaned:
        if len(step) > STEP_MAX_LENGTH:
            raise TicketError(
                _("Each checklist step is at most %(count)d characters: “%(step)s…” is longer.")
                % {"count": STEP_MAX_LENGTH, "step": step[:40]}
            )
    return cleaned


def checklist_items_for(ticket_id: int, steps: Sequence[str]) -> list[TicketChecklistItem]:
    """Unsaved checklist rows of a ticket, numbered from 1, for one bulk INSERT."""
    return [
        TicketChecklistItem(ticket_id=ticket_id, position=number, text=text)
        for number, text in enumerate(steps, start=1)
    ]


def checklist_open_steps_message(ticket: Ticket) -> str | None:
    """Why the ticket cannot be resolved yet (the steps neither done nor skipped), or None."""
    left = list(
        TicketChecklistItem.objects.filter(ticket=ticket, done_at__isnull=True, skipped_reason="")
        .order_by("position")
        .values_list("position", "text")
    )
    if not left:
        return None
    named = "; ".join(f"{position}. {text[:80]}" for position, text in left[:5])
    if len(left) > 5:
        named += " …"
    return ngettext(
        "%(ref)s has %(count)d checklist step neither done nor skipped: %(steps)s. Tick it, or skip it with a reason.",
        "%(ref)s has %(count)d checklist steps neither done nor skipped: %(steps)s. "
        "Tick them, or skip them with a reason.",
        len(left),
    ) % {"ref": ticket.reference, "count": len(left), "steps": named}


@transaction.atomic
def checklist_item_change(*, ticket_id: int, item_id: int, by, action: str, reason: str = "") -> TicketChecklistItem:
    """Tick a step (``done``), untick it (``undone``) or skip it with a reason (``skip``),
    on an open ticket, as staff who work its level; the change is an audit event."""
    ticket = ticket_lock(ticket_id)
    require_staff_at(by, ticket)
    require_open(ticket, _("%(ref)s is “%(status)s”: its checklist can no longer change."))
    if action not in ACTIONS:
        raise TicketError(_("Choose to tick, untick or skip the step."))
    try:
        item = TicketChecklistItem.objects.select_for_update().get(pk=item_id, ticket=ticket)
    except (TicketChecklistItem.DoesNotExist, ValueError, TypeError):
        raise TicketError(_("That step is not on this ticket's checklist.")) from None
    now = timezone.now()
    reason = single_line(reason)
    if action == "done":
        if item.done_at is not None:
            return item
        item.done_at, item.done_by, item.skipped_reason = now, by, ""
        kind = EventKind.CHECKLIST_DONE
    elif action == "undone":
        if item.is_open:
            return item
        item.done_at, item.done_by, item.skipped_reason = None, None, ""
        kind = EventKind.CHECKLIST_UNDONE
    else:
        if not reason:
            raise TransitionError(_("Say why the step is skipped."))
        if len(reason) > STEP_MAX_LENGTH:
            raise TicketError(_("The reason is at most %(count)d characters.") % {"count": STEP_MAX_LENGTH})
        item.done_at, item.done_by, item.skipped_reason = None, None, reason
        kind = EventKind.CHECKLIST_SKIPPED
    item.save(update_fields=["done_at", "done_by", "skipped_reason"])
    event_record(
        ticket,
        by,
        kind,
        field="checklist",
        old=item.position,
        new=item.text[:255],
        reason=reason if action == "skip" else "",
        at=now,
    )
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
    return item


@transaction.atomic
def checklist_set(*, ticket_id: int, by, steps: Sequence[str]) -> list[TicketChecklistItem]:
    """Give a ticket without a checklist its steps (staff at its level)."""
    ticket = ticket_lock(ticket_id)
    require_staff_at(by, ticket)
    require_open(ticket, _("%(ref)s is “%(status)s”: its checklist can no longer change."))
    if TicketChecklistItem.objects.filter(ticket=ticket).exists():
        raise TransitionError(_("%(ref)s already has a checklist.") % {"ref": ticket.reference})
    return TicketChecklistItem.objects.bulk_create(checklist_items_for(ticket.pk, checklist_steps_cleaned(steps)))
