from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tickets.models import Ticket
from tickets.ratings import RatingLinkError, rating_link_read
from tickets.selectors import ticket_get_for_user

from .exceptions import RatingError
from .forms import RatingForm
from .selectors import rating_of
from .services import rating_record


def _error_page(request, message: str, status: int):
    return render(request, "satisfaction/rate.html", {"error": message}, status=status)


# The signed link in the resolution mail is the only authority this page needs, so it
# works without signing in. Following it (GET) shows the rating with the score picked
# and records nothing, so a mail scanner that opens every link rates nothing; sending the
# page (POST, with its CSRF token) records it. The same link may be used again until it
# expires, to change the rating: a ticket has one rating, the latest one given.
@login_not_required
@require_http_methods(["GET", "POST"])
def rate(request, token: str, score: int):
    try:
        link = rating_link_read(token=token)
    except RatingLinkError as error:
        return _error_page(request, error.message, 400)
    ticket = (
        Ticket.objects.select_related("requester")
        .filter(pk=link.ticket_id, requester_id=link.requester_id, requester__is_active=True)
        .first()
    )
    if ticket is None:
        return _error_page(request, _("This rating link is not valid. It may have been cut short."), 400)
    person = ticket.requester
    language = person.language or translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        rating = rating_of(ticket=ticket)
        status = 200
        saved = False
        if request.method == "POST":
            form = RatingForm(request.POST)
            if form.is_valid():
                try:
                    rating = rating_record(
                        ticket_id=ticket.pk,
                        by=person,
                        score=form.cleaned_data["score"],
                        comment=form.cleaned_data["comment"],
                        stamp=link.resolved_stamp,
                    )
                except RatingError as error:
                    response = _error_page(request, error.message, 409)
                    response["Content-Language"] = language
                    return response
                saved = True
            else:
                status = 400
        else:
            initial = {"score": str(score), "comment": rating.comment if rating else ""}
            form = RatingForm(initial=initial)
        response = render(
            request,
            "satisfaction/rate.html",
            {"ticket": ticket, "form": form, "rating": rating, "saved": saved, "person": person},
            status=status,
        )
        response["Content-Language"] = language
    return response


@require_POST
def ticket_rate(request, reference: str):
    """The rating given on the ticket page by its signed-in requester."""
    ticket = ticket_get_for_user(user=request.user, reference=reference.upper())
    if ticket.requester_id != request.user.pk:
        raise PermissionDenied
    action = reverse("satisfaction:ticket-rate", kwargs={"reference": ticket.reference})
    form = RatingForm(request.POST, action=action)
    if not form.is_valid():
        context = {"ticket": ticket, "form": form, "rating": rating_of(ticket=ticket)}
        return render(request, "satisfaction/rate.html", context, status=400)
    try:
        rating_record(
            ticket_id=ticket.pk,
            by=request.user,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except RatingError as error:
        return _error_page(request, error.message, 409)
    messages.success(request, _("Thank you for your rating."))
    return redirect(reverse("tickets:detail", kwargs={"reference": ticket.reference}) + "#rating")
