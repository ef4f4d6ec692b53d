"""Writes of the satisfaction app: a requester's rating of the help on their ticket."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import level_supervisors
from notifications.choices import NotificationKind
from tickets.choices import EventKind, Status
from tickets.models import Ticket, TicketEvent
from tickets.ratings import rating_choices, rating_scale, resolved_stamp
from tickets.services import ticket_notify
from tickets.text import multi_line

from .choices import COMMENT_MAX_LENGTH, LOW_UP_TO
from .exceptions import RatingError
from .models import Rating

RATEABLE_STATUSES = (Status.RESOLVED, Status.CLOSED)


def _who_handled(ticket: Ticket):
    """The agent a rating is about: the ticket's assignee, else whoever resolved it last."""
    if ticket.assignee_id is not None:
        return ticket.assignee_id
    return (
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.RESOLVED)
        .order_by("-created_at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )


@transaction.atomic
def rating_record(*, ticket_id: int, by, score: int, comment: str = "", stamp: int | None = None) -> Rating:
    """Record (or change) the requester's rating of a resolved or closed ticket: one
    rating per ticket, a second one replaces the first. ``stamp`` is the resolution a
    rating link was sent for: a ticket reopened since refuses it. A rating that becomes
    low (``LOW_UP_TO`` or less) alerts the supervisors of the ticket's level, once: a low
    rating changed to another low one alerts nobody again."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("requester", "assignee").filter(pk=ticket_id)
    ).first()
    if ticket is None:
        raise RatingError(_("That ticket does not exist."))
    if by is None or ticket.requester_id != by.pk:
        raise RatingError(_("Only the person who filed the ticket can rate it."))
    if ticket.status not in RATEABLE_STATUSES:
        raise RatingError(_("%(ref)s is not resolved yet: you can rate it once it is.") % {"ref": ticket.reference})
    if stamp is not None and stamp != resolved_stamp(ticket.resolved_at):
        raise RatingError(
            _("%(ref)s was reopened after this link was sent. Rate it from the newer email, or on the ticket page.")
            % {"ref": ticket.reference}
        )
    scale = rating_scale()
    if score not in dict(rating_choices(scale)):
        raise RatingError(_("Choose a rating from the list."))
    comment = multi_line(comment or "")
    if len(comment) > COMMENT_MAX_LENGTH:
        raise RatingError(_("Keep the comment under %(n)s characters.") % {"n": COMMENT_MAX_LENGTH})
    now = timezone.now()
    values = {
        "requester_id": ticket.requester_id,
        "score": score,
        "scale": scale,
        "comment": comment,
        "agent_id": _who_handled(ticket),
        "level": ticket.level,
        "category_id": ticket.category_id,
        "rated_at": now,
    }
    rating = Rating.objects.select_for_update().filter(ticket=ticket).first()
    was_low = rating is not None and rating.score <= LOW_UP_TO
    if rating is None:
        rating = Rating.objects.create(ticket=ticket, created_at=now, **values)
    else:
        for field, value in values.items():
            setattr(rating, field, value)
        rating.save(update_fields=[field.removesuffix("_id") for field in values])
    if rating.is_low and not was_low:
        ticket_notify(
            kind=NotificationKind.LOW_RATING,
            ticket=ticket,
            actor=by,
            people=level_supervisors(level=ticket.level),
            context={"rating": rating},
        )
    return rating
