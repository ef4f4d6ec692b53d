from django import template
from django.urls import reverse

from tickets.choices import Status

from ..forms import RatingForm
from ..selectors import rating_of

register = template.Library()


@register.inclusion_tag("satisfaction/_panel.html")
def rating_panel(ticket, user):
    """The rating box of a resolved or closed ticket's page, for its requester alone."""
    if ticket.status not in (Status.RESOLVED, Status.CLOSED) or ticket.requester_id != getattr(user, "pk", None):
        return {"shown": False}
    rating = rating_of(ticket=ticket)
    initial = {"score": str(rating.score), "comment": rating.comment} if rating else {}
    action = reverse("satisfaction:ticket-rate", kwargs={"reference": ticket.reference})
    return {"shown": True, "rating": rating, "form": RatingForm(initial=initial, action=action)}
