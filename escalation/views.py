"""Pages of the escalation app: acknowledging a page from the ticket's page."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import agent_levels
from tickets.choices import Channel
from tickets.selectors import ticket_get_for_user

from .services import PageError, page_acknowledge


@require_POST
def acknowledge_page(request, reference):
    """Answer the pages waiting about this ticket, as ``ACK HD-000123`` by SMS does."""
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    if not agent_levels(request.user):
        message, status = _("Only support staff can acknowledge a page."), 403
    else:
        try:
            page_acknowledge(by=request.user, ticket=ticket, channel=Channel.WEB)
        except PageError as exc:
            message, status = exc.message, 409
        else:
            messages.success(request, _("Page for %(ref)s acknowledged.") % {"ref": ticket.reference})
            return redirect(ticket)
    return render(request, "escalation/page_refused.html", {"ticket": ticket, "message": message}, status=status)
