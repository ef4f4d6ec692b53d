"""Every change to a ticket goes through one of these functions.

Each locks the ticket, checks who may do what from which state, writes the change and
its audit event, and queues notifications in the same transaction. Refusals raise a
``TicketError`` whose message is meant for the person who tried.
"""

from collections.abc import Sequence
from typing import cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalation.choices import Level, NotificationKind
from escalation.selectors import agent_can_act_at, agent_levels, assignable_agents
from escalation.services import notification_queue, route_level
from escalation.services.sla import sla_clock_start, sla_refresh, sla_start

from .choices import OPEN_STATUSES, Channel, EventKind, Impact, Status, Urgency, priority_for
from .exceptions import NotAllowedError, TicketError, TransitionError
from .models import Attachment, Category, Comment, Ticket, TicketEvent
from .validators import validate_attachment

# Status moves an agent may make by hand. Resolving has its own service (it needs a
# summary); a closed ticket is final.
MANUAL_TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.OPEN, Status.PENDING},
    Status.OPEN: {Status.PENDING},
    Status.PENDING: {Status.OPEN},
    Status.RESOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: set(),
}


def _event(ticket: Ticket, actor, kind: str, *, field="", old="", new="", reason="", at=None) -> TicketEvent:
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


def _lock(ticket_id: int) -> Ticket:
    try:
        return Ticket.objects.select_for_update(of=("self",)).select_related("requester").get(pk=ticket_id)
    except Ticket.DoesNotExist:
        raise TicketError(_("That ticket does not exist.")) from None


def _require_staff_at(user, ticket: Ticket) -> None:
    if not agent_levels(user):
        raise NotAllowedError(_("Only support staff can do this."))
    if not agent_can_act_at(user, ticket.level):
        raise NotAllowedError(
            _("%(ref)s is at %(level)s, above the levels you work. Ask a %(level)s agent or a supervisor.")
            % {"ref": ticket.reference, "level": Level(ticket.level).label}
        )


def _is_owner(user, ticket: Ticket) -> bool:
    return user.is_authenticated and ticket.requester_id == user.pk


def _require_open(ticket: Ticket, message: str) -> None:
    """Refuse a change to a finished ticket; ``message`` names %(ref)s and %(status)s."""
    if ticket.status not in OPEN_STATUSES:
        raise TransitionError(message % {"ref": ticket.reference, "status": ticket.get_status_display()})


def _require_text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise TicketError(message)
    return value


def _save_attachments(
    ticket: Ticket, comment: Comment | None, uploader, files: Sequence, saved: list[Attachment]
) -> list[Attachment]:
    """Store the files and their rows; ``saved`` collects stored files as it goes, so the
    caller can delete them if the transaction rolls back."""
    for upload in files:
        attachment = Attachment(
            ticket=ticket,
            comment=comment,
            original_name=upload.name[:255],
            content_type=(getattr(upload, "content_type", "") or "application/octet-stream")[:100],
            size=upload.size,
            uploaded_by=uploader,
        )
        attachment.file.save(upload.name, upload, save=False)
        saved.append(attachment)
        attachment.save()
        _event(ticket, uploader, EventKind.ATTACHMENT_ADDED, field="attachment", new=attachment.original_name)
    return saved


def _validated_files(files: Sequence) -> list:
    files = [f for f in files if f]
    for upload in files:
        try:
            validate_attachment(upload)
        except Exception as exc:
            raise TicketError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
    return files


def _stored_files_cleanup(attachments: list[Attachment]) -> None:
    for attachment in attachments:
        attachment.file.storage.delete(attachment.file.name)


def ticket_create(
    *,
    requester,
    subject: str,
    description: str,
    urgency: str,
    impact: str | None = None,
    category: Category | None = None,
    channel: str = Channel.WEB,
    attachments: Sequence = (),
) -> Ticket:
    """File a ticket: routed to its category's level, prioritised by impact × urgency,
    acknowledged to the requester by email. All or nothing, stored files included."""
    subject = _require_text(subject, _("Write a short subject."))
    description = _require_text(description, _("Describe the problem."))
    files = _validated_files(attachments)
    impact = impact or (category.default_impact if category else Impact.LOW)
    if impact not in Impact.values or urgency not in Urgency.values:
        raise TicketError(_("Choose an impact and an urgency from the lists."))
    saved: list[Attachment] = []
    try:
        with transaction.atomic():
            now = timezone.now()
            ticket = Ticket(
                requester=requester,
                subject=subject[:200],
                description=description,
                category=category,
                impact=impact,
                urgency=urgency,
                priority=priority_for(impact=impact, urgency=urgency),
                level=route_level(category=category),
                level_entered_at=now,
                channel=channel,
                created_at=now,
                updated_at=now,
            )
            # A new ticket has no history: its SLA columns go in with the row itself.
            next_check_at = sla_start(ticket=ticket)
            ticket.save(force_insert=True)
            sla_clock_start(ticket=ticket, next_check_at=next_check_at)
            _event(ticket, requester, EventKind.CREATED, field="level", new=ticket.level, at=now)
            _save_attachments(ticket, None, requester, files, saved)
            notification_queue(kind=NotificationKind.TICKET_CREATED, ticket=ticket, actor=requester)
    except BaseException:
        _stored_files_cleanup(saved)
        raise
    return ticket


def comment_add(*, ticket_id: int, author, body: str, internal: bool = False, attachments: Sequence = ()) -> Comment:
    """Add a public reply or an internal note. A staff reply counts as first response and
    is mailed to the requester; a requester's reply takes a pending ticket back to open."""
    body = _require_text(body, _("Write a message before sending."))
    files = _validated_files(attachments)
    saved: list[Attachment] = []
    try:
        with transaction.atomic():
            ticket = _lock(ticket_id)
            staff = bool(agent_levels(author))
            if _is_owner(author, ticket) and not staff:
                if internal:
                    raise NotAllowedError(_("Only support staff can write internal notes."))
            else:
                _require_staff_at(author, ticket)
            if ticket.status == Status.CLOSED:
                raise TransitionError(
                    _("%(ref)s is closed. Please file a new ticket and mention %(ref)s.") % {"ref": ticket.reference}
                )
            now = timezone.now()
            comment = Comment.objects.create(
                ticket=ticket, author=author, body=body, is_internal=internal, created_at=now
            )
            _event(ticket, author, EventKind.NOTE_ADDED if internal else EventKind.COMMENTED, at=now)
            _save_attachments(ticket, comment, author, files, saved)
            fields = ["updated_at"]
            ticket.updated_at = now
            if staff and not internal and not _is_owner(author, ticket):
                if ticket.first_response_at is None:
                    ticket.first_response_at = now
                    fields.append("first_response_at")
                if ticket.status == Status.NEW:
                    _event(
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
                notification_queue(
                    kind=NotificationKind.REPLY, ticket=ticket, actor=author, context={"comment": comment}
                )
            elif _is_owner(author, ticket) and not internal:
                notification_queue(
                    kind=NotificationKind.REQUESTER_REPLIED, ticket=ticket, actor=author, context={"comment": comment}
                )
            if _is_owner(author, ticket) and ticket.status == Status.PENDING:
                _event(
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
                sla_refresh(ticket=ticket)
    except BaseException:
        _stored_files_cleanup(saved)
        raise
    return comment


def attachment_add(*, ticket_id: int, by, files: Sequence) -> list[Attachment]:
    """Attach files to a ticket (its requester, or staff at its level), with the same
    checks as on the ticket form; nothing is kept if any file is refused."""
    files = _validated_files(files)
    if not files:
        raise TicketError(_("Choose a file to attach."))
    saved: list[Attachment] = []
    try:
        with transaction.atomic():
            ticket = _lock(ticket_id)
            _require_owner_or_staff(by, ticket)
            if ticket.status == Status.CLOSED:
                raise TransitionError(
                    _("%(ref)s is closed. Please file a new ticket and mention %(ref)s.") % {"ref": ticket.reference}
                )
            _save_attachments(ticket, None, by, files, saved)
            ticket.updated_at = timezone.now()
            ticket.save(update_fields=["updated_at"])
    except BaseException:
        _stored_files_cleanup(saved)
        raise
    return saved


@transaction.atomic
def ticket_assign(*, ticket_id: int, by, assignee) -> Ticket:
    """Give the ticket to an agent who works its level (or higher), or to nobody.
    Taking a new ticket opens it."""
    ticket = _lock(ticket_id)
    _require_staff_at(by, ticket)
    _require_open(ticket, _("%(ref)s is “%(status)s”: only an open ticket can be assigned."))
    if assignee is not None and not assignable_agents(level=ticket.level).filter(pk=assignee.pk).exists():
        raise NotAllowedError(
            _("%(name)s does not work %(level)s, so cannot own %(ref)s.")
            % {"name": assignee, "level": Level(ticket.level).label, "ref": ticket.reference}
        )
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return ticket
    now = timezone.now()
    _event(
        ticket,
        by,
        EventKind.ASSIGNED,
        field="assignee",
        old=ticket.assignee.username if ticket.assignee else "",
        new=assignee.username if assignee else "",
        at=now,
    )
    ticket.assignee = assignee
    ticket.updated_at = now
    fields = ["assignee", "updated_at"]
    if assignee is not None and ticket.status == Status.NEW:
        _event(ticket, by, EventKind.STATUS_CHANGED, field="status", old=ticket.status, new=Status.OPEN, at=now)
        ticket.status = Status.OPEN
        fields.append("status")
    ticket.save(update_fields=fields)
    if "status" in fields:
        sla_refresh(ticket=ticket)
    return ticket


def ticket_take(*, ticket_id: int, by) -> Ticket:
    """Assign the ticket to the agent who asks."""
    return ticket_assign(ticket_id=ticket_id, by=by, assignee=by)


@transaction.atomic
def ticket_change_status(*, ticket_id: int, by, status: str, reason: str = "") -> Ticket:
    """Move the ticket along the allowed status transitions (resolving has its own service)."""
    ticket = _lock(ticket_id)
    _require_staff_at(by, ticket)
    if status not in Status.values:
        raise TicketError(_("Choose a status from the list."))
    if status == Status.RESOLVED:
        raise TransitionError(_("Use “Resolve” and write a resolution summary."))
    if status == ticket.status:
        return ticket
    if status not in MANUAL_TRANSITIONS[ticket.status]:
        raise TransitionError(
            _("A ticket that is “%(from)s” cannot be set to “%(to)s”.")
            % {"from": ticket.get_status_display(), "to": Status(status).label}
        )
    now = timezone.now()
    _event(ticket, by, EventKind.STATUS_CHANGED, field="status", old=ticket.status, new=status, reason=reason, at=now)
    if ticket.status == Status.RESOLVED and status == Status.OPEN:
        ticket.resolved_at = None
    if status == Status.CLOSED:
        ticket.closed_at = now
    ticket.status = status
    ticket.updated_at = now
    ticket.save(update_fields=["status", "resolved_at", "closed_at", "updated_at"])
    sla_refresh(ticket=ticket)
    return ticket


def _move_level(*, ticket_id: int, by, reason: str, step: int, from_level: int | None = None) -> Ticket | None:
    escalating = step > 0
    reason = _require_text(
        reason,
        _("Say why you are escalating, so the next level can start where you stopped.")
        if escalating
        else _("Say why you are sending the ticket back down."),
    )
    ticket = _lock(ticket_id)
    if from_level is not None and (ticket.level != from_level or ticket.status not in OPEN_STATUSES):
        return None  # an automatic move whose ticket has moved on meanwhile
    if by is not None:  # None: the helpdesk itself, applying an escalation rule
        _require_staff_at(by, ticket)
    _require_open(
        ticket,
        _("%(ref)s is “%(status)s”: only an open ticket can be escalated.")
        if escalating
        else _("%(ref)s is “%(status)s”: only an open ticket can be sent back down."),
    )
    target = ticket.level + step
    if target > Level.III:
        raise TransitionError(_("Level III is the last level; escalate to the vendor instead."))
    if target < Level.I:
        raise TransitionError(_("Level I is the first level; there is no lower level to send it to."))
    now = timezone.now()
    _event(
        ticket,
        by,
        EventKind.ESCALATED if escalating else EventKind.DE_ESCALATED,
        field="level",
        old=ticket.level,
        new=target,
        reason=reason,
        at=now,
    )
    if ticket.assignee is not None:
        # The ticket joins the new level's unassigned queue.
        _event(ticket, by, EventKind.ASSIGNED, field="assignee", old=ticket.assignee.username, new="", at=now)
        ticket.assignee = None
    ticket.level = target
    ticket.level_entered_at = now
    ticket.updated_at = now
    ticket.save(update_fields=["level", "level_entered_at", "assignee", "updated_at"])
    notification_queue(
        kind=NotificationKind.ESCALATED if escalating else NotificationKind.DE_ESCALATED,
        ticket=ticket,
        actor=by,
        context={"reason": reason, "by": by, "from_level": Level(target - step).label},
    )
    return ticket


@transaction.atomic
def ticket_escalate(*, ticket_id: int, by, reason: str) -> Ticket:
    """Move an open ticket one level up with a reason; the new level's agents are told."""
    return cast(Ticket, _move_level(ticket_id=ticket_id, by=by, reason=reason, step=+1))


@transaction.atomic
def ticket_escalate_automatically(*, ticket_id: int, from_level: int, reason: str) -> Ticket | None:
    """The helpdesk escalates by rule, through the same path as a person (audit event
    with the rule as reason, notices to the next level). Does nothing, and returns None,
    if the ticket is no longer open at ``from_level``, so a rule fires once per level."""
    return _move_level(ticket_id=ticket_id, by=None, reason=reason, step=+1, from_level=from_level)


@transaction.atomic
def ticket_deescalate(*, ticket_id: int, by, reason: str) -> Ticket:
    """Send an open ticket one level down with a reason; that level's agents are told."""
    return cast(Ticket, _move_level(ticket_id=ticket_id, by=by, reason=reason, step=-1))


@transaction.atomic
def ticket_resolve(*, ticket_id: int, by, resolution: str) -> Ticket:
    """Resolve an open ticket with a summary the requester will read; they confirm or reopen."""
    resolution = _require_text(resolution, _("Write a resolution summary: what was wrong and what you did."))
    ticket = _lock(ticket_id)
    _require_staff_at(by, ticket)
    _require_open(ticket, _("%(ref)s is “%(status)s”: only an open ticket can be resolved."))
    now = timezone.now()
    _event(
        ticket,
        by,
        EventKind.RESOLVED,
        field="status",
        old=ticket.status,
        new=Status.RESOLVED,
        reason=resolution,
        at=now,
    )
    ticket.status = Status.RESOLVED
    ticket.resolution = resolution
    ticket.resolved_at = now
    ticket.first_response_at = ticket.first_response_at or now
    ticket.updated_at = now
    ticket.save(update_fields=["status", "resolution", "resolved_at", "first_response_at", "updated_at"])
    sla_refresh(ticket=ticket)
    notification_queue(kind=NotificationKind.RESOLVED, ticket=ticket, actor=by)
    return ticket


def _require_owner_or_staff(user, ticket: Ticket) -> None:
    if not _is_owner(user, ticket):
        _require_staff_at(user, ticket)


@transaction.atomic
def ticket_confirm_resolution(*, ticket_id: int, by) -> Ticket:
    """The requester (or staff for them) confirms the fix; the ticket closes."""
    ticket = _lock(ticket_id)
    _require_owner_or_staff(by, ticket)
    if ticket.status != Status.RESOLVED:
        raise TransitionError(_("Only a resolved ticket can be confirmed."))
    now = timezone.now()
    _event(ticket, by, EventKind.CLOSED, field="status", old=ticket.status, new=Status.CLOSED, at=now)
    ticket.status = Status.CLOSED
    ticket.closed_at = now
    ticket.updated_at = now
    ticket.save(update_fields=["status", "closed_at", "updated_at"])
    sla_refresh(ticket=ticket)
    return ticket


@transaction.atomic
def ticket_reopen(*, ticket_id: int, by, reason: str) -> Ticket:
    """Reopen a resolved ticket with a reason (the fix did not hold)."""
    reason = _require_text(reason, _("Tell us what is still wrong."))
    ticket = _lock(ticket_id)
    _require_owner_or_staff(by, ticket)
    if ticket.status == Status.CLOSED:
        raise TransitionError(
            _("%(ref)s is closed. Please file a new ticket and mention %(ref)s.") % {"ref": ticket.reference}
        )
    if ticket.status != Status.RESOLVED:
        raise TransitionError(_("Only a resolved ticket can be reopened."))
    now = timezone.now()
    _event(ticket, by, EventKind.REOPENED, field="status", old=ticket.status, new=Status.OPEN, reason=reason, at=now)
    ticket.status = Status.OPEN
    ticket.resolved_at = None
    ticket.updated_at = now
    ticket.save(update_fields=["status", "resolved_at", "updated_at"])
    sla_refresh(ticket=ticket)
    notification_queue(kind=NotificationKind.REOPENED, ticket=ticket, actor=by, context={"reason": reason})
    return ticket


@transaction.atomic
def ticket_reclassify(*, ticket_id: int, by, impact: str, urgency: str, category: Category | None) -> Ticket:
    """Correct impact, urgency and category; the priority follows the matrix."""
    ticket = _lock(ticket_id)
    _require_staff_at(by, ticket)
    _require_open(ticket, _("%(ref)s is “%(status)s”: only an open ticket can be reclassified."))
    if impact not in Impact.values or urgency not in Urgency.values:
        raise TicketError(_("Choose an impact and an urgency from the lists."))
    now = timezone.now()
    wanted = {
        "impact": impact,
        "urgency": urgency,
        "priority": priority_for(impact=impact, urgency=urgency),
        "category": category,
    }
    changed = [field for field, value in wanted.items() if getattr(ticket, field) != value]
    for field in changed:
        old, new = getattr(ticket, field), wanted[field]
        if field == "category":
            _event(ticket, by, EventKind.CATEGORY_CHANGED, field=field, old=old or "", new=new or "", at=now)
        else:
            _event(ticket, by, EventKind.PRIORITY_CHANGED, field=field, old=old, new=new, at=now)
        setattr(ticket, field, new)
    if changed:
        ticket.updated_at = now
        ticket.save(update_fields=[*changed, "updated_at"])
        sla_refresh(ticket=ticket)
    return ticket
