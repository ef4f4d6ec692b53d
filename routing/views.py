from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.selectors import agent_levels
from tickets.exceptions import NotAllowedError, TicketError

from .choices import Presence
from .forms import PresenceForm
from .selectors import presence_card
from .services import agent_presence_set


def _back(request):
    target = request.POST.get("next") or request.headers.get("Referer") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return redirect(target)


@require_http_methods(["GET", "POST"])
def presence(request):
    """The presence switch in the page header (loaded with HTMX on every staff page), and
    the one-click change it posts."""
    if not agent_levels(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = PresenceForm(request.POST)
        error = ""
        if form.is_valid():
            try:
                agent_presence_set(user=request.user, presence=form.cleaned_data["presence"])
            except NotAllowedError as exc:
                raise PermissionDenied(exc.message) from None
            except TicketError as exc:
                error = exc.message
                form.add_error("presence", error)
        else:
            error = _("Choose available, away or off.")
        if request.headers.get("HX-Request"):
            return _switch(request, error=error)
        if error:
            # Without HTMX: the choice again, on a page of its own, with what was wrong.
            return render(request, "routing/presence.html", {"form": form, "choices": Presence.choices}, status=400)
        messages.success(request, _("Your presence is saved."))
        return _back(request)
    return _switch(request)


def _switch(request, *, error: str = ""):
    card = presence_card(user=request.user, at=timezone.now())
    if card is None:
        if request.method == "POST":
            raise PermissionDenied
        return HttpResponse(status=204)
    return render(request, "routing/_presence.html", {"card": card, "choices": Presence.choices, "error": error})
