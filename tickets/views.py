from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.choices import Level, Role
from accounts.selectors import agent_can_act_at, agent_levels, assignable_agents, user_role
from notifications.selectors import notification_counts

from . import services
from .choices import OPEN_STATUSES, Priority, QueueView, SnoozeChoice, Status
from .downloads import attachment_response
from .exceptions import NotAllowedError, TicketError
from .filters import QUEUE_SORTS
from .forms import (
    AssignForm,
    ChecklistItemForm,
    CommentForm,
    ConfirmForm,
    DeescalateForm,
    EscalateForm,
    ReclassifyForm,
    ReminderForm,
    ReopenForm,
    ResolveForm,
    SnoozeForm,
    StatusForm,
    TicketCreateForm,
    TimerForm,
    UnsnoozeForm,
)
from .selectors import (
    attachment_get_for_user,
    category_choices,
    dashboard_data,
    sla_explain,
    sla_risk,
    ticket_attachments,
    ticket_checklist,
    ticket_get_for_user,
    ticket_list_for_requester,
    ticket_queue,
    ticket_reminders,
    ticket_time,
    ticket_timeline,
)
from .services import MANUAL_TRANSITIONS

PAGE_SIZES = (10, 25, 50, 100)


@require_GET
def home(request):
    role = user_role(request.user)
    if role in (Role.SUPERVISOR, Role.ADMIN):
        return redirect("tickets:dashboard")
    if role == Role.AGENT:
        return redirect("tickets:queue")
    return redirect("tickets:mine")


@require_GET
def my_tickets(request):
    paginator = Paginator(ticket_list_for_requester(user=request.user), 25)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "tickets/my_tickets.html", {"page": page})


def ticket_new(request):
    if request.method == "POST":
        form = TicketCreateForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.ticket_create(
                    requester=request.user,
                    subject=data["subject"],
                    description=data["description"],
                    category=data["category"],
                    impact=data["impact"],
                    urgency=data["urgency"],
                    attachments=[data["attachment"]] if data.get("attachment") else [],
                    extra=form.extra_data(),
                )
            except TicketError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Ticket %(ref)s filed. We have sent you a confirmation by email.") % {"ref": ticket.reference},
                )
                return redirect(ticket)
        return render(request, "tickets/ticket_new.html", {"form": form}, status=400)
    return render(request, "tickets/ticket_new.html", {"form": TicketCreateForm(user=request.user)})


def _detail_context(request, ticket, bound: dict | None = None) -> dict:
    """Everything the ticket page shows; ``bound`` replaces fresh forms with the ones
    just posted, so a refused action keeps what the person typed."""
    user = request.user
    staff = bool(agent_levels(user))
    can_act = staff and agent_can_act_at(user, ticket.level)
    owner = ticket.requester_id == user.pk
    is_open = ticket.status in OPEN_STATUSES
    forms = {}
    if ticket.status != Status.CLOSED and (owner or can_act):
        forms["comment"] = CommentForm(ticket=ticket, staff=can_act)
    if can_act:
        if MANUAL_TRANSITIONS[ticket.status]:
            forms["status"] = StatusForm(ticket=ticket)
        if is_open:
            forms["assign"] = AssignForm(
                ticket=ticket, agents=assignable_agents(level=ticket.level), initial={"assignee": ticket.assignee_id}
            )
            forms["reclassify"] = ReclassifyForm(
                ticket=ticket,
                initial={"category": ticket.category_id, "impact": ticket.impact, "urgency": ticket.urgency},
            )
            forms["resolve"] = ResolveForm(ticket=ticket)
            if ticket.snoozed_until is not None:
                forms["unsnooze"] = UnsnoozeForm(ticket=ticket)
            forms["snooze"] = SnoozeForm(ticket=ticket)
            if ticket.level < Level.III:
                forms["escalate"] = EscalateForm(ticket=ticket)
            if ticket.level > Level.I:
                forms["deescalate"] = DeescalateForm(ticket=ticket)
    if staff and ticket.status != Status.CLOSED:
        forms["remind"] = ReminderForm(ticket=ticket)
    if ticket.status == Status.RESOLVED and (owner or can_act):
        forms["confirm"] = ConfirmForm(ticket=ticket)
        forms["reopen"] = ReopenForm(ticket=ticket)
    for key, form in (bound or {}).items():
        forms[key] = form
    return {
        "ticket": ticket,
        "timeline": ticket_timeline(ticket=ticket, user=user),
        "attachments": ticket_attachments(ticket=ticket),
        "forms": forms,
        "staff": staff,
        "can_act": can_act,
        "owner": owner,
        "can_take": can_act and is_open and ticket.assignee_id != user.pk,
        "sla": sla_explain(ticket=ticket) if staff else None,
        # Requesters never see the time spent on their ticket.
        "time": ticket_time(ticket=ticket, user=user) if staff else None,
        "can_time": can_act and ticket.status != Status.CLOSED,
        "reminders": ticket_reminders(ticket=ticket) if staff else None,
        # The timer form's own action codes, named once (tickets.forms.TimerForm).
        "timer_actions": {code: code for code, _label in TimerForm.base_fields["action"].choices},
        "now": timezone.now(),
    }


@require_GET
def ticket_detail(request, reference):
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    return render(request, "tickets/ticket_detail.html", _detail_context(request, ticket))


def _action(request, reference, *, key, form_class, perform, success, form_kwargs=None):
    """Bind the posted form, call the service, and either redirect with a message or
    show the page again with the refusal and the person's input intact."""
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    extra = form_kwargs(ticket) if callable(form_kwargs) else (form_kwargs or {})
    form = form_class(request.POST, request.FILES, ticket=ticket, **extra)
    status = 400
    if form.is_valid():
        try:
            perform(ticket, form.cleaned_data)
        except TicketError as exc:
            messages.error(request, exc.message)
            status = 403 if isinstance(exc, NotAllowedError) else 409
            ticket.refresh_from_db()
        else:
            messages.success(request, success)
            return redirect(ticket)
    else:
        messages.error(request, _("Please correct the errors below."))
    return render(request, "tickets/ticket_detail.html", _detail_context(request, ticket, {key: form}), status=status)


@require_POST
def ticket_comment(request, reference):
    def perform(ticket, data):
        changes = {key: data.get(f"then_{key}") or "" for key in ("status", "impact", "urgency")}
        reply = {
            "ticket_id": ticket.pk,
            "author": request.user,
            "body": data["body"],
            "internal": data.get("internal", False),
            "attachments": [data["attachment"]] if data.get("attachment") else [],
        }
        if data.get("time_spent"):
            services.comment_add_with_time(**reply, minutes=data["time_spent"], **changes)
        elif any(changes.values()):
            services.comment_add_and_change(**reply, **changes)
        else:
            services.comment_add(**reply)

    return _action(
        request,
        reference,
        key="comment",
        form_class=CommentForm,
        perform=perform,
        success=_("Your message was added."),
        form_kwargs={"staff": bool(agent_levels(request.user))},
    )


def _time_action(request, reference, perform, success: str):
    """A change to the time recorded on a ticket (staff only): redirect with a message, or
    the page again with the refusal."""
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    try:
        perform(ticket)
    except TicketError as exc:
        messages.error(request, exc.message)
        ticket.refresh_from_db()
        return render(
            request,
            "tickets/ticket_detail.html",
            _detail_context(request, ticket),
            status=403 if isinstance(exc, NotAllowedError) else 409,
        )
    messages.success(request, success)
    return redirect(ticket)


@require_POST
def ticket_timer(request, reference):
    """Start, stop or discard the signed-in agent's timer on the ticket."""
    form = TimerForm(request.POST)
    if not form.is_valid():
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        messages.error(request, _("Choose to start, stop or discard the timer."))
        context = _detail_context(request, ticket, {"timer": form})
        return render(request, "tickets/ticket_detail.html", context, status=400)
    action = form.cleaned_data["action"]
    if action == "start":
        return _time_action(
            request,
            reference,
            lambda t: services.timer_start(ticket_id=t.pk, by=request.user),
            _("Timer started. It keeps running if you leave the page."),
        )
    if action == "stop":
        return _time_action(
            request,
            reference,
            lambda t: services.timer_stop(ticket_id=t.pk, by=request.user),
            _("Timer stopped; the time is recorded."),
        )
    return _time_action(
        request,
        reference,
        lambda t: services.timer_discard(ticket_id=t.pk, by=request.user),
        _("Timer discarded; nothing was recorded."),
    )


@require_POST
def ticket_time_delete(request, reference, entry):
    """Remove one of the signed-in agent's own time entries."""
    return _time_action(
        request,
        reference,
        lambda t: services.time_entry_delete(ticket_id=t.pk, entry_id=entry, by=request.user),
        _("Time entry removed."),
    )


@require_POST
def ticket_take(request, reference):
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    try:
        services.ticket_take(ticket_id=ticket.pk, by=request.user)
    except TicketError as exc:
        messages.error(request, exc.message)
        return render(
            request,
            "tickets/ticket_detail.html",
            _detail_context(request, ticket),
            status=403 if isinstance(exc, NotAllowedError) else 409,
        )
    messages.success(request, _("You now own %(ref)s.") % {"ref": ticket.reference})
    return redirect(ticket)


@require_POST
def ticket_assign(request, reference):
    return _action(
        request,
        reference,
        key="assign",
        form_class=AssignForm,
        perform=lambda t, d: services.ticket_assign(ticket_id=t.pk, by=request.user, assignee=d["assignee"]),
        success=_("Assignee updated."),
        form_kwargs=lambda ticket: {"agents": assignable_agents(level=ticket.level)},
    )


@require_POST
def ticket_status(request, reference):
    return _action(
        request,
        reference,
        key="status",
        form_class=StatusForm,
        perform=lambda t, d: services.ticket_change_status(
            ticket_id=t.pk, by=request.user, status=d["status"], reason=d["reason"]
        ),
        success=_("Status updated."),
    )


@require_POST
def ticket_escalate(request, reference):
    return _action(
        request,
        reference,
        key="escalate",
        form_class=EscalateForm,
        perform=lambda t, d: services.ticket_escalate(ticket_id=t.pk, by=request.user, reason=d["reason"]),
        success=_("Escalated. The next level's agents have been notified."),
    )


@require_POST
def ticket_deescalate(request, reference):
    return _action(
        request,
        reference,
        key="deescalate",
        form_class=DeescalateForm,
        perform=lambda t, d: services.ticket_deescalate(ticket_id=t.pk, by=request.user, reason=d["reason"]),
        success=_("Sent back down. That level's agents have been notified."),
    )


@require_POST
def ticket_resolve(request, reference):
    return _action(
        request,
        reference,
        key="resolve",
        form_class=ResolveForm,
        perform=lambda t, d: services.ticket_resolve(ticket_id=t.pk, by=request.user, resolution=d["resolution"]),
        success=_("Resolved. The requester has been asked to confirm."),
    )


@require_POST
def ticket_reclassify(request, reference):
    return _action(
        request,
        reference,
        key="reclassify",
        form_class=ReclassifyForm,
        perform=lambda t, d: services.ticket_reclassify(
            ticket_id=t.pk, by=request.user, impact=d["impact"], urgency=d["urgency"], category=d["category"]
        ),
        success=_("Classification updated."),
    )


@require_POST
def ticket_confirm(request, reference):
    return _action(
        request,
        reference,
        key="confirm",
        form_class=ConfirmForm,
        perform=lambda t, d: services.ticket_confirm_resolution(ticket_id=t.pk, by=request.user),
        success=_("Thank you. The ticket is closed."),
    )


@require_POST
def ticket_reopen(request, reference):
    return _action(
        request,
        reference,
        key="reopen",
        form_class=ReopenForm,
        perform=lambda t, d: services.ticket_reopen(ticket_id=t.pk, by=request.user, reason=d["reason"]),
        success=_("The ticket is open again; support will pick it up."),
    )


@require_POST
def ticket_snooze(request, reference):
    def perform(ticket, data):
        if data["choice"] == SnoozeChoice.AT:
            until = data["at"]
        else:
            until = services.snooze_choice_time(
                choice=data["choice"], ticket=ticket, time_zone=request.user.time_zone, now=timezone.now()
            )
        services.ticket_snooze(ticket_id=ticket.pk, by=request.user, until=until)

    return _action(
        request,
        reference,
        key="snooze",
        form_class=SnoozeForm,
        perform=perform,
        success=_("Snoozed: the ticket is out of the queue until then."),
    )


@require_POST
def ticket_unsnooze(request, reference):
    return _action(
        request,
        reference,
        key="unsnooze",
        form_class=UnsnoozeForm,
        perform=lambda t, d: services.ticket_unsnooze(ticket_id=t.pk, by=request.user),
        success=_("The ticket is back in the queue."),
    )


@require_POST
def ticket_remind(request, reference):
    return _action(
        request,
        reference,
        key="remind",
        form_class=ReminderForm,
        perform=lambda t, d: services.reminder_set(
            ticket_id=t.pk, by=request.user, remind_at=d["remind_at"], note=d["note"]
        ),
        success=_("Reminder set."),
    )


@require_POST
def ticket_reminder_cancel(request, reference, reminder):
    """Cancel one of the signed-in agent's own reminders on the ticket."""
    ticket_get_for_user(user=request.user, reference=reference)
    if not agent_levels(request.user):
        raise PermissionDenied
    return _time_action(
        request,
        reference,
        lambda t: services.reminder_cancel(reminder_id=reminder, by=request.user, ticket_id=t.pk),
        _("Reminder cancelled."),
    )


@require_GET
def attachment_download(request, pk):
    return attachment_response(attachment_get_for_user(user=request.user, pk=pk))


@require_GET
@permission_required("tickets.work_ticket", raise_exception=True)
def queue(request):
    levels = agent_levels(request.user)
    if not levels:
        raise PermissionDenied
    try:
        level = int(request.GET.get("level", levels[0]))
    except ValueError:
        level = levels[0]
    if level not in levels:
        raise PermissionDenied
    view = request.GET.get("view", QueueView.OPEN)
    if view not in QueueView.values:
        view = QueueView.OPEN
    sort = request.GET.get("sort", "priority")
    if sort not in QUEUE_SORTS:
        sort = "priority"
    try:
        per_page = int(request.GET.get("per_page", 25))
    except ValueError:
        per_page = 25
    if per_page not in PAGE_SIZES:
        per_page = 25
    tickets, queue_filter = ticket_queue(user=request.user, level=level, view=view, params=request.GET, sort=sort)
    page = Paginator(tickets, per_page).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    sort_params = keep.copy()
    sort_params.pop("sort", None)
    context = {
        "page": page,
        "filter": queue_filter,
        "level": level,
        "levels": [(value, Level(value).label) for value in levels],
        "view": view,
        "views": QueueView.choices,
        "sort": sort,
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "query": keep.urlencode(),
        # Filter drop-downs are drawn from plain choices: cheaper than rendering widgets.
        "priority_choices": [(str(value), label) for value, label in Priority.choices],
        "status_choices": [(status.value, status.label) for status in OPEN_STATUSES],
        "category_choices": [(str(pk), name) for pk, name in category_choices()],
        "current": {key: request.GET.get(key, "") for key in ("q", "priority", "status", "category")},
        "now": timezone.now(),
        "sort_query": sort_params.urlencode(),
        "refresh_seconds": settings.HELPDESK_QUEUE_REFRESH_SECONDS,
    }
    template = "tickets/_queue_table.html" if request.headers.get("HX-Request") else "tickets/queue.html"
    return render(request, template, context)


@require_GET
@permission_required("tickets.supervise_ticket", raise_exception=True)
def dashboard(request):
    return render(
        request,
        "tickets/dashboard.html",
        {
            "data": dashboard_data(),
            "risk": sla_risk(),
            "deliveries": notification_counts(),
            "now": timezone.now(),
            "queue_url": reverse("tickets:queue"),
        },
    )


@require_GET
@permission_required("tickets.supervise_ticket", raise_exception=True)
def dashboard_sla(request):
    """The live SLA panel of the dashboard (polled by htmx)."""
    return render(request, "tickets/_sla_panel.html", {"risk": sla_risk(), "now": timezone.now()})


# --- the checklist (an htmx panel on the ticket page, staff only) --------------------


def _checklist_ticket(request, reference):
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    if not agent_levels(request.user):
        # Requesters never see their ticket's checklist (nor learn it has one).
        raise PermissionDenied
    return ticket


def _checklist_panel(request, ticket, *, error: str = "", status: int = 200):
    items = ticket_checklist(ticket=ticket)
    return render(
        request,
        "tickets/_checklist.html",
        {
            "ticket": ticket,
            "items": items,
            "left": sum(1 for item in items if item.is_open),
            "can_tick": agent_can_act_at(request.user, ticket.level) and ticket.status in OPEN_STATUSES,
            "error": error,
            # The form's own action codes, named once (tickets.forms.ChecklistItemForm).
            "actions": {code: code for code, _label in ChecklistItemForm.base_fields["action"].choices},
        },
        status=status,
    )


@require_GET
def ticket_checklist_panel(request, reference):
    return _checklist_panel(request, _checklist_ticket(request, reference))


@require_POST
def ticket_checklist_item(request, reference, item):
    """Tick, untick or skip one step; htmx gets the panel again, a plain form post the page."""
    ticket = _checklist_ticket(request, reference)
    form = ChecklistItemForm(request.POST)
    error, status = "", 200
    if not form.is_valid():
        error, status = (
            " ".join(str(message) for message in form.errors.get("__all__", []))
            or _("Choose to tick, untick or skip the step."),
            400,
        )
        for name, errors in form.errors.items():
            if name != "__all__":
                error = str(errors[0])
    else:
        try:
            services.checklist_item_change(
                ticket_id=ticket.pk,
                item_id=item,
                by=request.user,
                action=form.cleaned_data["action"],
                reason=form.cleaned_data["reason"],
            )
        except TicketError as exc:
            error, status = exc.message, 403 if isinstance(exc, NotAllowedError) else 409
    if request.headers.get("HX-Request"):
        return _checklist_panel(request, ticket, error=error, status=status)
    if error:
        messages.error(request, error)
        if status == 403:
            raise PermissionDenied(error)
        ticket.refresh_from_db()
        context = _detail_context(request, ticket, {"checklist": form})
        return render(request, "tickets/ticket_detail.html", context, status=status)
    return redirect(ticket)
