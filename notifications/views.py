from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.choices import Role
from accounts.selectors import user_role

from .choices import NotificationStatus
from .forms import NotificationPreferenceForm
from .selectors import failing_addresses_recent, notification_counts, notification_log
from .services import notification_preference_get, notification_preference_set, notification_retry


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
