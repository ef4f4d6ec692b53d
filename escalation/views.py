from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .choices import NotificationStatus
from .selectors import notification_counts, notification_log
from .services import notification_retry


@require_GET
@permission_required("tickets.supervise_ticket", raise_exception=True)
def delivery_log(request):
    status = request.GET.get("status", "")
    page = Paginator(notification_log(status=status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "escalation/delivery_log.html",
        {
            "page": page,
            "status": status if status in NotificationStatus.values else "",
            "statuses": NotificationStatus.choices,
            "counts": notification_counts(),
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
    return redirect("escalation:delivery-log")
