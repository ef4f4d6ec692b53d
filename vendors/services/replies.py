"""A vendor's mail about an escalated ticket: an internal note on the ticket, marked as
the vendor's, never shown to the requester; the vendor's first response recorded if it
was not; the assignee told."""

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.selectors import agent_can_act_at
from notifications.choices import NotificationKind
from tickets.choices import Channel, Status
from tickets.models import Comment, Ticket
from tickets.services import comment_add

from ..exceptions import VendorError
from ..models import VendorEscalation
from .escalations import vendor_assignee_notify, vendor_response_record


def vendor_note_lead(escalation: VendorEscalation, sender: str) -> str:
    return _("From the vendor %(vendor)s (%(address)s):") % {"vendor": escalation.vendor.name, "address": sender}


@transaction.atomic
def vendor_reply_record(
    *, escalation_id: int, sender: str, body: str, attachments: Sequence = (), channel: str = Channel.EMAIL
) -> Comment:
    """The vendor's mail as an internal note on the escalated ticket, written in the name
    of the ticket's assignee or of whoever took it to the vendor (the note says it is the
    vendor's); records the vendor's first response when none was; tells the assignee."""
    escalation = VendorEscalation.objects.select_related("vendor", "escalated_by").get(pk=escalation_id)
    ticket = Ticket.objects.select_related("assignee").get(pk=escalation.ticket_id)
    if ticket.status == Status.CLOSED:
        raise VendorError(_("%(ref)s is closed.") % {"ref": ticket.reference})
    candidates = [person for person in (ticket.assignee, escalation.escalated_by) if person is not None]
    author = next(
        (person for person in candidates if person.is_active and agent_can_act_at(person, ticket.level)), None
    )
    if author is None:
        raise VendorError(
            _("Nobody on %(ref)s can hold the vendor's note: assign the ticket to Level III staff.")
            % {"ref": ticket.reference}
        )
    text = f"{vendor_note_lead(escalation, sender)}\n\n{body.strip() or _('(empty message)')}"
    comment = comment_add(
        ticket_id=ticket.pk, author=author, body=text, internal=True, attachments=attachments, channel=channel
    )
    if escalation.responded_at is None and escalation.is_open:
        vendor_response_record(escalation_id=escalation.pk, by=None, at=comment.created_at)
    vendor_assignee_notify(
        escalation=escalation,
        ticket=ticket,
        kind=NotificationKind.VENDOR_REPLIED,
        context={"sender": sender, "excerpt": body.strip()[:500]},
    )
    return comment
