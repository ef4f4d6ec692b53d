"""Replies, internal notes and files added to a ticket."""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import agent_levels
from notifications.choices import NotificationKind

from ..choices import Channel, EventKind, Status
from ..exceptions import NotAllowedError, TicketError, TransitionError
from ..models import Attachment, Comment
from .common import event_record, is_requester, require_requester_or_staff, require_staff_at, require_text, ticket_lock
from .files import attachments_save, files_validated, stored_files_cleanup
from .followup import ticket_requester_wrote
from .lifecycle import ticket_change_status, ticket_reclassify
from .notices import ticket_notify
from .sla import ticket_sla_refresh
from .watchers import is_watcher


def comment_add(
    *,
    ticket_id: int,
    author,
    body: str,
    internal: bool = False,
    attachments: Sequence = (),
    channel: str = Channel.WEB,
    by=None,
) -> Comment:
    """Add a public reply or an internal note. A staff reply counts as first response and
    is mailed to the requester; a requester's reply takes a pending ticket back to open.
    Those who follow the ticket reply too: a colleague the requester copied in as the
    requester does (public replies only), staff of another level as staff do (replies and
    internal notes). ``channel`` says how it came (the page, a mail, an SMS, a logged call or chat).

    ``by`` is the member of staff who writes down the requester's words (a call or chat
    they log): the reply is the requester's (``author``, public, as if they had written
    it), kept with who logged it, and the audit trail names ``by``, who must work the
    ticket's level."""
    if channel not in Channel.values:
        raise TicketError(_("Choose a channel from the list."))
    if by is not None and by.pk == author.pk:
        by = None
    body = require_text(body, _("Write a message before sending."))
    files = files_validated(attachments)
    saved: list[Attachment] = []
    try:
        with transaction.atomic():
            ticket = ticket_lock(ticket_id)
            staff = bool(agent_levels(author))
            # A colleague the requester copied in replies as the requester does.
            requester_side = not staff and is_watcher(author, ticket)
            if by is not None:
                require_staff_at(by, ticket)
                if internal or not is_requester(author, ticket):
                    raise NotAllowedError(_("A logged call or chat is the requester's own reply on their own ticket."))
                staff = False
            elif (is_requester(author, ticket) or requester_side) and not staff:
                if internal:
                    raise NotAllowedError(_("Only support staff can write internal notes."))
            elif not (staff and is_watcher(author, ticket)):
                # Staff who follow a ticket of another level reply and write notes on it.
                require_staff_at(author, ticket)
            if ticket.status == Status.CLOSED:
                raise TransitionError(
                    _("%(ref)s is closed. Please file a new ticket and mention %(ref)s.") % {"ref": ticket.reference}
                )
            now = timezone.now()
            comment = Comment.objects.create(
                ticket=ticket,
                author=author,
                body=body,
                is_internal=internal,
                channel=channel,
                logged_by=by,
                created_at=now,
            )
            actor = author if by is None else by
            event_record(ticket, actor, EventKind.NOTE_ADDED if internal else EventKind.COMMENTED, at=now)
            attachments_save(ticket, comment, actor, files, saved)
            fields = ["updated_at"]
            ticket.updated_at = now
            if staff and not internal and not is_requester(author, ticket):
                if ticket.first_response_at is None:
                    ticket.first_response_at = now
                    fields.append("first_response_at")
                if ticket.status == Status.NEW:
                    event_record(
                        ticket,
                        author,
                        EventKind.STATUS_CHANGED,
                        field="status",
                        old=ticket.status,
                        new=Status.OPEN,
                        at=now,
                    )
                    ticket.status = Status.OPEN
                    fields.append("status")
                ticket_notify(kind=NotificationKind.REPLY, ticket=ticket, actor=author, context={"comment": comment})
            elif (is_requester(author, ticket) or requester_side) and not internal:
                ticket_notify(
                    kind=NotificationKind.REQUESTER_REPLIED, ticket=ticket, actor=actor, context={"comment": comment}
                )
            if (is_requester(author, ticket) or requester_side) and not internal:
                ticket_requester_wrote(ticket, actor=actor)
            if (is_requester(author, ticket) or requester_side) and ticket.status == Status.PENDING:
                event_record(
                    ticket,
                    author,
                    EventKind.STATUS_CHANGED,
                    field="status",
                    old=ticket.status,
                    new=Status.OPEN,
                    reason=_("The requester replied."),
                    at=now,
                )
                ticket.status = Status.OPEN
                fields.append("status")
            ticket.save(update_fields=fields)
            if len(fields) > 1:  # first response or status moved: the clock changed
                ticket_sla_refresh(ticket=ticket)
    except BaseException:
        stored_files_cleanup(saved)
        raise
    return comment


def comment_add_and_change(
    *,
    ticket_id: int,
    author,
    body: str,
    internal: bool = False,
    attachments: Sequence = (),
    status: str = "",
    impact: str = "",
    urgency: str = "",
) -> Comment:
    """A reply sent together with the changes a canned reply makes: the status moved
    (``ticket_change_status``) and the impact or urgency corrected (``ticket_reclassify``),
    each with its own checks, then the reply added; all of it or nothing."""
    with transaction.atomic():
        if status:
            ticket_change_status(ticket_id=ticket_id, by=author, status=status)
        if impact or urgency:
            ticket = ticket_lock(ticket_id)
            ticket_reclassify(
                ticket_id=ticket_id,
                by=author,
                impact=impact or ticket.impact,
                urgency=urgency or ticket.urgency,
                category=ticket.category,
            )
        return comment_add(ticket_id=ticket_id, author=author, body=body, internal=internal, attachments=attachments)


def attachment_add(*, ticket_id: int, by, files: Sequence) -> list[Attachment]:
    """Attach files to a ticket (its requester, or staff at its level), with the same
    checks as on the ticket form; nothing is kept if any file is refused."""
    files = files_validated(files)
    if not files:
        raise TicketError(_("Choose a file to attach."))
    saved: list[Attachment] = []
    try:
        with transaction.atomic():
            ticket = ticket_lock(ticket_id)
            require_requester_or_staff(by, ticket)
            if ticket.status == Status.CLOSED:
                raise TransitionError(
                    _("%(ref)s is closed. Please file a new ticket and mention %(ref)s.") % {"ref": ticket.reference}
                )
            attachments_save(ticket, None, by, files, saved)
            ticket.updated_at = timezone.now()
            ticket.save(update_fields=["updated_at"])
    except BaseException:
        stored_files_cleanup(saved)
        raise
    return saved
