"""Corrections of a ticket's words (its subject, its description) by support staff, with
nothing lost: each changed field is an EDITED event whose ``from_value``/``to_value`` show
the start of the earlier and the new text, and whose ``reason`` keeps the whole earlier
text, so every version can be read back from the audit trail."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import EventKind, Status
from ..exceptions import TicketError, TransitionError
from ..models import Ticket
from ..text import multi_line, single_line
from .common import event_record, require_staff_at, ticket_lock

SUBJECT_MAX = 200
DESCRIPTION_MAX = 20000
PREVIEW = 255


def _preview(text: str) -> str:
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"


@transaction.atomic
def ticket_edit(*, ticket_id: int, by, subject: str | None = None, description: str | None = None) -> Ticket:
    """Correct the subject and/or the description (None: left as it is). Staff at the
    ticket's level (and supervisors, administrators) only, and not on a closed ticket.
    Text is cleaned as when it was filed; unchanged text writes nothing."""
    ticket = ticket_lock(ticket_id)
    require_staff_at(by, ticket)
    if ticket.status == Status.CLOSED:
        raise TransitionError(
            _("%(ref)s is closed: its subject and description stay as they were.") % {"ref": ticket.reference}
        )
    wanted: dict[str, str] = {}
    if subject is not None:
        subject = single_line(subject)
        if not subject:
            raise TicketError(_("Write a short subject."))
        if len(subject) > SUBJECT_MAX:
            raise TicketError(_("Keep the subject under %(n)s characters.") % {"n": SUBJECT_MAX})
        wanted["subject"] = subject
    if description is not None:
        description = multi_line(description)
        if not description:
            raise TicketError(_("Describe the problem."))
        if len(description) > DESCRIPTION_MAX:
            raise TicketError(_("Keep the description under %(n)s characters.") % {"n": DESCRIPTION_MAX})
        wanted["description"] = description
    changed = [field for field, value in wanted.items() if getattr(ticket, field) != value]
    if not changed:
        return ticket
    now = timezone.now()
    for field in changed:
        earlier = getattr(ticket, field)
        event_record(
            ticket,
            by,
            EventKind.EDITED,
            field=field,
            old=_preview(earlier),
            new=_preview(wanted[field]),
            # The whole earlier text: from_value holds only its first 255 characters.
            reason=earlier,
            at=now,
        )
        setattr(ticket, field, wanted[field])
    ticket.updated_at = now
    ticket.save(update_fields=[*changed, "updated_at"])
    return ticket
