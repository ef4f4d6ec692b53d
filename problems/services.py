"""Every change to a problem: opened (from a ticket or on its own), its text edited,
incidents linked and unlinked, its workaround sent to an incident's requester, resolved
or closed (with its open incidents, each through the ticket resolve service).

Each service is atomic, locks the problem it changes, checks that the person is support
staff, and records a ProblemEvent with the text before and after, so no earlier root cause
or workaround is lost. Linking and unlinking also goes on the ticket's own audit trail."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import agent_levels
from tickets.choices import OPEN_STATUSES, EventKind
from tickets.exceptions import NotAllowedError, TicketError
from tickets.models import Ticket
from tickets.models import pk_from_reference as ticket_pk_from_reference
from tickets.services import TicketOutcome, comment_add, tickets_resolve_each
from tickets.services.common import event_record, require_staff_at, ticket_lock
from tickets.text import multi_line, single_line

from .choices import ACTIVE_STATUSES, FINAL_STATUSES, ProblemEventKind, ProblemStatus
from .exceptions import ProblemError, ProblemForbidden
from .models import Problem, ProblemEvent, ProblemIncident

# The longest texts a problem keeps, as the tickets' longest texts.
LONG_TEXT = 20000
# A problem with more incidents than this is an outage: link a parent ticket instead.
MAX_INCIDENTS = 500
# The fields problem_update changes, each recorded with its text before and after.
EDITABLE = ("title", "description", "root_cause", "workaround", "owner", "status")


def _require_staff(user) -> None:
    if not (getattr(user, "is_authenticated", False) and agent_levels(user)):
        raise ProblemForbidden(_("Only support staff can work on problems."))


def _lock(problem_id: int) -> Problem:
    problem = Problem.objects.select_for_update(of=("self",)).filter(pk=problem_id).first()
    if problem is None:
        raise ProblemError(_("That problem does not exist."))
    return problem


def _record(problem: Problem, by, kind: str, *, field: str = "", old="", new="", at=None) -> ProblemEvent:
    return ProblemEvent.objects.create(
        problem=problem,
        actor=by,
        kind=kind,
        field=field,
        from_value="" if old is None else str(old),
        to_value="" if new is None else str(new),
        created_at=at or timezone.now(),
    )


def _title(value: str) -> str:
    title = single_line(value or "")[:200]
    if not title:
        raise ProblemError(_("Give the problem a short title."), field="title")
    return title


def _text(value: str, field: str) -> str:
    text = multi_line(value or "")
    if len(text) > LONG_TEXT:
        raise ProblemError(_("Keep it under %(max)d characters.") % {"max": LONG_TEXT}, field=field)
    return text


def _owner(owner_id: int | None):
    if owner_id is None:
        return None
    owner = get_user_model().objects.filter(pk=owner_id, is_active=True).first()
    if owner is None or not agent_levels(owner):
        raise ProblemError(_("The owner must be a member of the support staff."), field="owner")
    return owner


@transaction.atomic
def problem_create(
    *,
    by,
    title: str,
    description: str = "",
    owner_id: int | None = None,
    ticket_id: int | None = None,
    ticket_reference: str = "",
) -> Problem:
    """Open a problem, owned by ``owner_id`` (else by whoever opens it); opened from a
    ticket (``ticket_id``, or its reference), that ticket is its first incident."""
    _require_staff(by)
    if ticket_id is None and ticket_reference:
        ticket_id = _ticket_id(ticket_reference)
    now = timezone.now()
    problem = Problem.objects.create(
        title=_title(title),
        description=_text(description, "description"),
        owner=_owner(owner_id) if owner_id is not None else by,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    _record(problem, by, ProblemEventKind.CREATED, new=problem.title, at=now)
    if ticket_id is not None:
        _link(problem=problem, ticket_id=ticket_id, by=by, at=now)
    return problem


@transaction.atomic
def problem_update(*, problem_id: int, by, changes: dict) -> Problem:
    """Change a problem's title, description, root cause, workaround, owner or status
    (open or known error: resolving and closing have their own service). Each changed
    field is one event with its text before and after."""
    _require_staff(by)
    problem = _lock(problem_id)
    if not problem.is_active and set(changes) - {"owner"}:
        raise ProblemError(
            _("%(ref)s is “%(status)s”: reopen it before changing it.")
            % {"ref": problem.reference, "status": problem.get_status_display()}
        )
    wanted: dict = {}
    for field, value in changes.items():
        if field not in EDITABLE:
            continue
        if field == "title":
            wanted[field] = _title(value)
        elif field == "owner":
            wanted["owner_id"] = _owner(value).pk if value is not None else None
        elif field == "status":
            if value not in ACTIVE_STATUSES:
                raise ProblemError(
                    _("Choose open or known error; resolve or close the problem with its own button."),
                    field="status",
                )
            wanted[field] = value
        else:
            wanted[field] = _text(value, field)
    now = timezone.now()
    changed = [field for field, value in wanted.items() if getattr(problem, field) != value]
    for field in changed:
        old, new = getattr(problem, field), wanted[field]
        _record(problem, by, ProblemEventKind.CHANGED, field=field.removesuffix("_id"), old=old, new=new, at=now)
        setattr(problem, field, new)
    if changed:
        problem.updated_at = now
        problem.save(update_fields=[*changed, "updated_at"])
    return problem


def _link(*, problem: Problem, ticket_id: int, by, at) -> ProblemIncident:
    try:
        ticket = ticket_lock(ticket_id)
        require_staff_at(by, ticket)
    except NotAllowedError as error:
        raise ProblemForbidden(error.message) from None
    except TicketError as error:
        raise ProblemError(error.message, field="ticket") from None
    existing = ProblemIncident.objects.filter(problem=problem, ticket=ticket).first()
    if existing is not None:
        return existing
    if ProblemIncident.objects.filter(problem=problem).count() >= MAX_INCIDENTS:
        raise ProblemError(
            _("A problem can have at most %(max)d incidents; link the others to a parent ticket.")
            % {"max": MAX_INCIDENTS},
            field="ticket",
        )
    try:
        with transaction.atomic():
            link = ProblemIncident.objects.create(problem=problem, ticket=ticket, added_by=by, added_at=at)
    except IntegrityError:
        return ProblemIncident.objects.get(problem=problem, ticket=ticket)
    _record(problem, by, ProblemEventKind.INCIDENT_LINKED, field="ticket", new=ticket.reference, at=at)
    event_record(ticket, by, EventKind.PROBLEM_LINKED, field="problem", new=problem.reference, at=at)
    return link


def _ticket_id(reference: str) -> int:
    text = single_line(reference or "")[:40]
    ticket_id = ticket_pk_from_reference(text)
    if ticket_id is None:
        raise ProblemError(_("“%(ref)s” is not a ticket reference (HD-000123).") % {"ref": text}, field="ticket")
    return ticket_id


@transaction.atomic
def problem_incident_link(*, problem_id: int, by, ticket_reference: str) -> ProblemIncident:
    """Link a ticket to the problem as one of its incidents (once; linking it again does
    nothing). Staff who work the ticket's level; the problem must still be worked."""
    _require_staff(by)
    ticket_id = _ticket_id(ticket_reference)
    problem = _lock(problem_id)
    if not problem.is_active:
        raise ProblemError(
            _("%(ref)s is “%(status)s”: reopen it before linking incidents.")
            % {"ref": problem.reference, "status": problem.get_status_display()}
        )
    link = _link(problem=problem, ticket_id=ticket_id, by=by, at=timezone.now())
    Problem.objects.filter(pk=problem.pk).update(updated_at=timezone.now())
    return link


@transaction.atomic
def problem_incident_unlink(*, problem_id: int, by, ticket_reference: str) -> None:
    """The ticket is no longer an incident of the problem (unlinking one that is not does nothing)."""
    _require_staff(by)
    ticket_id = _ticket_id(ticket_reference)
    problem = _lock(problem_id)
    link = ProblemIncident.objects.filter(problem=problem, ticket_id=ticket_id).first()
    if link is None:
        return
    try:
        ticket = ticket_lock(ticket_id)
        require_staff_at(by, ticket)
    except NotAllowedError as error:
        raise ProblemForbidden(error.message) from None
    now = timezone.now()
    link.delete()
    _record(problem, by, ProblemEventKind.INCIDENT_UNLINKED, field="ticket", old=ticket.reference, at=now)
    event_record(ticket, by, EventKind.PROBLEM_UNLINKED, field="problem", old=problem.reference, at=now)
    problem.updated_at = now
    problem.save(update_fields=["updated_at"])


@transaction.atomic
def problem_workaround_send(*, problem_id: int, ticket_id: int, by):
    """Send the problem's workaround to an incident's requester as a public reply, through
    the ticket's reply service (first response, notification and audit as any reply)."""
    _require_staff(by)
    problem = _lock(problem_id)
    if not ProblemIncident.objects.filter(problem=problem, ticket_id=ticket_id).exists():
        raise ProblemError(_("That ticket is not an incident of %(ref)s.") % {"ref": problem.reference})
    if not problem.workaround.strip():
        raise ProblemError(_("%(ref)s has no workaround to send yet.") % {"ref": problem.reference})
    try:
        comment = comment_add(ticket_id=ticket_id, author=by, body=problem.workaround)
    except NotAllowedError as error:
        raise ProblemForbidden(error.message) from None
    except TicketError as error:
        raise ProblemError(error.message) from None
    _record(problem, by, ProblemEventKind.WORKAROUND_SENT, field="ticket", new=Ticket(pk=ticket_id).reference)
    return comment


@dataclass(frozen=True)
class ProblemResolution:
    problem: Problem
    incidents: list[TicketOutcome]


@transaction.atomic
def problem_resolve(
    *, problem_id: int, by, resolution: str, status: str = ProblemStatus.RESOLVED, resolve_incidents: bool = False
) -> ProblemResolution:
    """Resolve or close the problem with a resolution. With ``resolve_incidents``, each of
    its open incidents is resolved through the ticket resolve service with that resolution
    (audited, its requester told); one that cannot be is reported and left as it was."""
    _require_staff(by)
    if status not in FINAL_STATUSES:
        raise ProblemError(_("Choose resolved or closed."), field="status")
    text = _text(resolution, "resolution")
    if not text:
        raise ProblemError(_("Write the resolution: what fixed the cause."), field="resolution")
    problem = _lock(problem_id)
    if problem.status == ProblemStatus.CLOSED:
        raise ProblemError(_("%(ref)s is already closed.") % {"ref": problem.reference})
    if problem.status == status and problem.resolution == text:
        raise ProblemError(
            _("%(ref)s is already “%(status)s”.") % {"ref": problem.reference, "status": problem.get_status_display()}
        )
    now = timezone.now()
    kind = ProblemEventKind.CLOSED if status == ProblemStatus.CLOSED else ProblemEventKind.RESOLVED
    _record(problem, by, kind, field="status", old=problem.status, new=status, at=now)
    if problem.resolution != text:
        _record(problem, by, ProblemEventKind.CHANGED, field="resolution", old=problem.resolution, new=text, at=now)
    problem.status = status
    problem.resolution = text
    problem.resolved_at = problem.resolved_at or now
    problem.updated_at = now
    problem.save(update_fields=["status", "resolution", "resolved_at", "updated_at"])
    outcomes: list[TicketOutcome] = []
    if resolve_incidents:
        open_ids = ProblemIncident.objects.filter(problem=problem, ticket__status__in=OPEN_STATUSES).values_list(
            "ticket_id", flat=True
        )
        outcomes = tickets_resolve_each(ticket_ids=list(open_ids), by=by, resolution=text)
    return ProblemResolution(problem=problem, incidents=outcomes)
