"""The signed rating links a resolution mail carries, and reading them back.

The resolved notification is queued here, by ``ticket_resolve``, so its links are made
here too; the page behind them, and the ratings themselves, belong to the satisfaction
app, which reads the links with ``rating_link_read``.

A link names the ticket, its requester and the moment it was resolved, signed with
``SECRET_KEY`` and dated; the score is the last part of its path. It is the only
authority the rating page needs, so it works without signing in. It stops working after
``HELPDESK_CSAT_LINK_DAYS``, and when the ticket is reopened (a later resolution sends
new links). Following it only shows the rating, the score picked; the rating is recorded
when the person sends that page, so a mail scanner that opens every link rates nothing.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Ticket

RATING_SALT = "tickets.rating"
# Scores are kept on one scale of 1 to 5 whatever the requester rated on: "good" is 5,
# "bad" is 1, so figures over a change of the setting still mean the same.
FIVE_SCALE = "five"
TWO_SCALE = "two"
SCORE_LABELS = {
    FIVE_SCALE: {
        1: _("1 — very dissatisfied"),
        2: _("2 — dissatisfied"),
        3: _("3 — neither"),
        4: _("4 — satisfied"),
        5: _("5 — very satisfied"),
    },
    TWO_SCALE: {5: _("Good"), 1: _("Bad")},
}


class RatingLinkError(Exception):
    """A rating link that cannot be used; ``message`` says why, for the person."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RatingLink:
    ticket_id: int
    requester_id: int
    resolved_stamp: int


def rating_scale() -> str:
    return settings.HELPDESK_CSAT_SCALE


def rating_choices(scale: str | None = None) -> list[tuple[int, str]]:
    """The scores one may give on this scale (the setting's by default), best last."""
    labels = SCORE_LABELS[scale or rating_scale()]
    return [(score, str(labels[score])) for score in sorted(labels)]


def resolved_stamp(resolved_at: datetime | None) -> int:
    # To the microsecond: a ticket reopened and resolved again within a second is another resolution.
    return int(resolved_at.timestamp() * 1_000_000) if resolved_at is not None else 0


def rating_token(*, ticket: Ticket) -> str:
    """A dated, signed token naming this ticket, its requester and its resolution."""
    payload = {"t": ticket.pk, "r": ticket.requester_id, "s": resolved_stamp(ticket.resolved_at)}
    return signing.dumps(payload, salt=RATING_SALT, compress=True)


def rating_url(*, token: str, score: int) -> str:
    return settings.HELPDESK_BASE_URL + reverse("satisfaction:rate", kwargs={"token": token, "score": score})


def rating_links(*, ticket: Ticket) -> list[dict]:
    """The one-click links of the resolution mail: one per score, best first."""
    token = rating_token(ticket=ticket)
    # The labels stay lazy: the mail is written in its reader's language, not the sender's.
    labels = SCORE_LABELS[rating_scale()]
    return [
        {"score": score, "label": labels[score], "url": rating_url(token=token, score=score)}
        for score in sorted(labels, reverse=True)
    ]


def rating_link_max_age() -> timedelta:
    return timedelta(days=settings.HELPDESK_CSAT_LINK_DAYS)


def rating_link_read(*, token: str) -> RatingLink:
    """What a link names. Raises ``RatingLinkError`` (with a message for the person) for a
    token that is forged, damaged or expired."""
    try:
        data = signing.loads(str(token), salt=RATING_SALT, max_age=rating_link_max_age())
    except signing.SignatureExpired:
        raise RatingLinkError(
            _("This rating link has expired. Open the ticket to rate it, or ask support for help.")
        ) from None
    except (signing.BadSignature, ValueError, TypeError, UnicodeError, OverflowError):
        raise RatingLinkError(_("This rating link is not valid. It may have been cut short.")) from None
    if not isinstance(data, dict) or not all(isinstance(data.get(key), int) for key in ("t", "r", "s")):
        raise RatingLinkError(_("This rating link is not valid. It may have been cut short."))
    return RatingLink(ticket_id=data["t"], requester_id=data["r"], resolved_stamp=data["s"])
