from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.choices import Level
from accounts.selectors import agent_can_act_at, agent_levels
from tickets.selectors import ticket_get_for_user

from .exceptions import CannedReplyError
from .forms import CannedReplyForm
from .models import CannedReply
from .placeholders import PLACEHOLDERS
from .selectors import canned_replies_for_ticket, canned_replies_of, canned_reply_filled, canned_reply_for_ticket
from .services import canned_reply_delete, canned_reply_save, may_manage, may_share


def _staff_only(user) -> None:
    if not agent_levels(user):
        raise PermissionDenied


def _save(request, form: CannedReplyForm, reply_id: int | None) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        canned_reply_save(
            by=request.user,
            reply_id=reply_id,
            title=data["title"],
            body_en=data["body_en"],
            body_id=data["body_id"],
            level=form.level(),
            set_status=data["set_status"],
            set_impact=data["set_impact"],
            set_urgency=data["set_urgency"],
        )
    except CannedReplyError as error:
        form.add_error(None, error.message)
        return False
    return True


def _page(request, form, status=200):
    replies = list(canned_replies_of(user=request.user).select_related("owner"))
    return render(
        request,
        "replies/manage.html",
        {
            "form": form,
            "replies": [(reply, may_manage(request.user, reply)) for reply in replies],
            "placeholders": PLACEHOLDERS,
            "may_share": may_share(request.user),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def manage(request):
    """A person's canned replies (and, for supervisors, the levels' shared ones), and a new one."""
    _staff_only(request.user)
    sharing = may_share(request.user)
    if request.method == "POST":
        form = CannedReplyForm(request.POST, may_share=sharing)
        if _save(request, form, None):
            messages.success(request, _("The canned reply was saved."))
            return redirect("replies:manage")
        return _page(request, form, status=400)
    return _page(request, CannedReplyForm(may_share=sharing))


def _manageable(request, pk: int) -> CannedReply:
    _staff_only(request.user)
    reply = CannedReply.objects.filter(pk=pk).first()
    if reply is None or not may_manage(request.user, reply):
        raise Http404
    return reply


@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    reply = _manageable(request, pk)
    sharing = may_share(request.user)
    action = reverse("replies:edit", kwargs={"pk": reply.pk})
    if request.method == "POST":
        form = CannedReplyForm(request.POST, may_share=sharing, action=action)
        if _save(request, form, reply.pk):
            messages.success(request, _("The canned reply was saved."))
            return redirect("replies:manage")
        status = 400
    else:
        form = CannedReplyForm(initial=CannedReplyForm.initial_for(reply), may_share=sharing, action=action)
        status = 200
    return render(request, "replies/edit.html", {"form": form, "reply": reply}, status=status)


@require_POST
def delete(request, pk: int):
    reply = _manageable(request, pk)
    try:
        canned_reply_delete(by=request.user, reply_id=reply.pk)
    except CannedReplyError as error:  # pragma: no cover - checked just above, in the same request
        messages.error(request, error.message)
    else:
        messages.success(request, _("The canned reply was deleted."))
    return redirect("replies:manage")


def _ticket_for_picker(request, reference: str):
    """The ticket, for staff who may reply at its level; requesters never learn the
    picker is there (404), staff who work below the ticket's level are refused (403)."""
    if not agent_levels(request.user):
        raise Http404
    ticket = ticket_get_for_user(user=request.user, reference=reference.upper())
    if not agent_can_act_at(request.user, ticket.level):
        raise PermissionDenied
    return ticket


@require_GET
def picker(request, reference: str):
    """The replies the picker offers on a ticket, narrowed by ``q`` (JSON)."""
    ticket = _ticket_for_picker(request, reference)
    found = canned_replies_for_ticket(user=request.user, ticket=ticket, query=request.GET.get("q", ""))
    results = [
        {
            "id": reply.pk,
            "title": reply.title,
            "scope": str(Level(reply.level).label) if reply.level is not None else _("Personal"),
        }
        for reply in found
    ]
    return JsonResponse({"results": results})


@require_GET
def fill(request, reference: str, pk: int):
    """One reply filled in for this ticket and this agent, as it will be sent (JSON)."""
    ticket = _ticket_for_picker(request, reference)
    reply = canned_reply_for_ticket(user=request.user, ticket=ticket, reply_id=pk)
    if reply is None:
        raise Http404
    return JsonResponse(canned_reply_filled(reply=reply, ticket=ticket, agent=request.user))
