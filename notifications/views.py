from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.choices import Role
from accounts.selectors import user_role

from .choices import NON_ESSENTIAL_KINDS, NotificationKind, NotificationStatus
from .exceptions import UnsubscribeLinkError
from .forms import NotificationPreferenceForm
from .selectors import email_kind_wanted, failing_addresses_recent, notification_counts, notification_log
from .services import (
    notification_email_subscription_set,
    notification_preference_get,
    notification_preference_set,
    notification_retry,
    unsubscribe_token_read,
)


@require_GET
@permission_required("tickets.supervise_ticket", raise_exception=True)
def delivery_log(request):
    status = request.GET.get("status", "")
    page = Paginator(notification_log(status=status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/delivery_log.html",
        {
            "page": page,
            "status": status if status in NotificationStatus.values else "",
            "statuses": NotificationStatus.choices,
            "counts": notification_counts(),
            "failing_addresses": failing_addresses_recent(),
            "now": timezone.now(),
            "query": f"status={status}" if status in NotificationStatus.values else "",
        },
    )


@require_POST
@permission_required("tickets.supervise_ticket", raise_exception=True)
def delivery_retry(request, pk):
    if notification_retry(notification_id=pk):
        messages.success(request, _("The notification will be sent again."))
    else:
        messages.error(request, _("Only a failed or dead-lettered notification can be sent again."))
    return redirect("notifications:delivery-log")


@require_http_methods(["GET", "POST"])
def preferences(request):
    """Which notifications reach me, on which channel, and when SMS may wake me."""
    staff = user_role(request.user) != Role.REQUESTER
    preference = notification_preference_get(user=request.user)
    form = NotificationPreferenceForm(request.POST or None, instance=preference, staff=staff)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            notification_preference_set(user=request.user, data=form.cleaned_data)
            messages.success(request, _("Your notification settings have been saved."))
            return redirect("notifications:preferences")
        status = 400
    context = {
        "form": form,
        "staff": staff,
        "time_zone": dict(settings.HELPDESK_TIME_ZONES).get(request.user.time_zone, request.user.time_zone),
    }
    if staff:
        context["channel_rows"] = list(zip(form["email_kinds"], form["sms_kinds"], strict=True))
    return render(request, "notifications/preferences.html", context, status=status)


UNDO = "undo"


# The signed token in the link is the only authority this page needs: it works without
# signing in, and takes the POST a mail program sends on its own (RFC 8058's one-click
# "List-Unsubscribe=One-Click"), which carries neither cookie nor CSRF token. A forged
# request can do no more than the token in its URL already allows.
@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """Stop (or, with "undo", restart) one kind of email, from the link in that email."""
    try:
        person, kind = unsubscribe_token_read(token=token)
    except UnsubscribeLinkError as error:
        return render(request, "notifications/unsubscribe.html", {"error": error.message}, status=400)
    language = person.language or translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        done = ""
        if request.method == "POST":
            wanted = request.POST.get("action") == UNDO
            notification_email_subscription_set(user=person, kind=kind, wanted=wanted)
            done = "subscribed" if wanted else "unsubscribed"
        response = render(
            request,
            "notifications/unsubscribe.html",
            {
                "kind_label": NotificationKind(kind).label,
                "wanted": email_kind_wanted(user=person, kind=kind),
                "done": done,
                "undo": UNDO,
                "requester_courtesy": kind in NON_ESSENTIAL_KINDS,
            },
        )
        response["Content-Language"] = language
    return response
