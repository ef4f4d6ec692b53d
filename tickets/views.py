from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.choices import Level, Role
from accounts.selectors import agent_can_act_at, agent_levels, assignable_agents, user_role
from notifications.selectors import notification_counts

from . import services
from .choices import (
    OPEN_STATUSES,
    Channel,
    Priority,
    QueueView,
    SnoozeChoice,
    Status,
)
from .downloads import attachment_response
from .exceptions import NotAllowedError, TicketError
from .filters import LIST_DATE_FILTERS, LIST_DEFAULT_SORT, LIST_LINKED_FILTERS, LIST_PAGE_SIZES, LIST_SORTS, QUEUE_SORTS
from .forms import (
    AssignForm,
    BulkForm,
    ChecklistItemForm,
    CommentForm,
    ConfirmForm,
    DeescalateForm,
    EditForm,
    EscalateForm,
    LinkAddForm,
    MergeForm,
    ParentClearForm,
    ParentForm,
    ReclassifyForm,
    ReminderForm,
    ReopenForm,
    ResolveForm,
    SavedViewForm,
    SnoozeForm,
    StatusForm,
    TicketCreateForm,
    TimerForm,
    UnsnoozeForm,
    WatcherAddForm,
)
from .models import (
    SAVED_VIEW_QUERY_LENGTH,
    Ticket,
)
from .selectors import (
    REQUESTER_STATES,
    attachment_get_for_user,
    category_choices,
    dashboard_data,
    requester_ticket_counts,
    saved_view_get_for_user,
    saved_views_for,
    sla_explain,
    sla_risk,
    ticket_attachments,
    ticket_checklist,
    ticket_family,
    ticket_get_for_user,
    ticket_links_for_user,
    ticket_list,
    ticket_list_for_requester,
    ticket_list_matching,
    ticket_queue,
    ticket_reminders,
    ticket_time,
    ticket_timeline,
    ticket_watchers,
)
from .services import MANUAL_TRANSITIONS
from .services.views import filter_errors_text, saved_view_may_manage

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
    state = request.GET.get("state", "all")
    if state not in REQUESTER_STATES:
        state = "all"
    paginator = Paginator(ticket_list_for_requester(user=request.user, state=state), 25)
    page = paginator.get_page(request.GET.get("page"))
    counts = requester_ticket_counts(user=request.user)
    states = [
        ("open", _("Open"), counts["open"]),
        ("waiting", _("Waiting on me"), counts["waiting"]),
        ("resolved", _("Resolved"), counts["resolved"]),
        ("closed", _("Closed"), counts["closed"]),
        ("all", _("All"), counts["all"]),
    ]
    return render(
        request,
        "tickets/my_tickets.html",
        {"page": page, "state": state, "states": states, "query": f"state={state}" if state != "all" else ""},
    )


def _linked_filters(list_filter, params) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The filters a link set that the form shows no control for: (name, value) pairs to
    carry as hidden fields, and (label, shown value) pairs to name above the list."""
    hidden, shown = [], []
    cleaned = getattr(list_filter.form, "cleaned_data", {})
    for key in LIST_LINKED_FILTERS:
        values = [value for value in params.getlist(key) if value]
        if not values:
            continue
        field = list_filter.form.fields[key]
        hidden += [(key, value) for value in values]
        if isinstance(cleaned.get(key), datetime):  # an instant, in the viewer's time zone
            shown.append((str(field.label), date_format(timezone.localtime(cleaned[key]), "DATETIME_FORMAT")))
            continue
        choices = {str(value): label for value, label in getattr(field, "choices", ())}
        shown.append((str(field.label), ", ".join(str(choices.get(value, value)) for value in values)))
    return hidden, shown


def _list_context(request, *, form=None) -> dict:
    """What the ticket list shows: the page of tickets its filters find, the filters, and
    the saved views beside it."""
    params = request.GET
    sort = params.get("sort", LIST_DEFAULT_SORT)
    if sort not in LIST_SORTS:
        sort = LIST_DEFAULT_SORT
    try:
        per_page = int(params.get("per_page", 25))
    except ValueError:
        per_page = 25
    if per_page not in LIST_PAGE_SIZES:
        per_page = 25
    now = timezone.now()
    tickets, list_filter = ticket_list(user=request.user, params=params, sort=sort, now=now)
    page = Paginator(tickets, per_page).get_page(params.get("page"))
    keep = params.copy()
    keep.pop("page", None)
    sort_params = keep.copy()
    sort_params.pop("sort", None)
    save_params = keep.copy()
    save_params.pop("view", None)
    views = list(saved_views_for(user=request.user))
    try:
        current_view = int(params.get("view", ""))
    except ValueError:
        current_view = None
    levels = agent_levels(request.user)
    linked_hidden, linked_shown = _linked_filters(list_filter, params)
    return {
        "page": page,
        "filter": list_filter,
        "filter_errors": filter_errors_text(list_filter) if list_filter.errors else "",
        "sort": sort,
        "per_page": per_page,
        "page_sizes": LIST_PAGE_SIZES,
        "query": keep.urlencode(),
        "sort_query": sort_params.urlencode(),
        "now": now,
        "current": {
            key: params.get(key, "")
            for key in ("q", "state", "category", "assignee", "requester", "age", "sla", "created_within")
        },
        "chosen": {key: params.getlist(key) for key in ("status", "level", "priority", "channel")},
        "dates": {key: params.get(key, "") for key in LIST_DATE_FILTERS},
        "linked_hidden": linked_hidden,
        "linked_shown": linked_shown,
        "overdue_checked": " checked" if params.get("overdue", "") in ("true", "on", "1", "True") else "",
        "status_choices": Status.choices,
        "state_choices": [("open", _("Open")), ("done", _("Resolved or closed"))],
        "sla_choices": [("at_risk", _("At risk")), ("breached", _("Breached (overdue)"))],
        "assignee_choices": [("me", _("Me")), ("none", _("Unassigned"))],
        "no_category_choice": [("none", _("No category"))],
        "level_choices": [(str(value), Level(value).label) for value in levels],
        "priority_choices": [(str(value), label) for value, label in Priority.choices],
        "channel_choices": Channel.choices,
        "category_choices": [(str(pk), name) for pk, name in category_choices()],
        "saved_views": views,
        "current_view": next((view for view in views if view.pk == current_view), None),
        "manageable": {view.pk for view in views if saved_view_may_manage(request.user, view)},
        "save_form": form or SavedViewForm(initial={"query": save_params.urlencode()}),
        # The bulk action bar (tickets/_bulk_bar.html): each row's checkbox and the
        # header's "select all on this page" belong to its form.
        "selectable": True,
        "row_select_template": "tickets/_bulk_pick.html",
        "bulk_form": bulk_form_for(request),
    }


@require_GET
def ticket_list_page(request):
    """Every ticket at the levels the person works, whatever its status, filtered."""
    if not agent_levels(request.user):
        raise PermissionDenied
    context = _list_context(request)
    template = "tickets/_list_table.html" if request.headers.get("HX-Request") else "tickets/ticket_list.html"
    return render(request, template, context)


def _staff_only(request) -> None:
    if not agent_levels(request.user):
        raise PermissionDenied


def _view_saved(request, view_id: int | None):
    _staff_only(request)
    form = SavedViewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            view = services.saved_view_save(
                by=request.user,
                name=data["name"],
                params=QueryDict(data["query"] or ""),
                shared=data.get("shared", False),
                view_id=view_id,
            )
        except TicketError as exc:
            if isinstance(exc, NotAllowedError):
                raise PermissionDenied(exc.message) from None
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
            return redirect(view)
    messages.error(
        request,
        _("The view was not saved: %(why)s")
        % {"why": " ".join(str(error) for errors in form.errors.values() for error in errors)},
    )
    request.GET = QueryDict(form.data.get("query", "")[:SAVED_VIEW_QUERY_LENGTH])
    return render(request, "tickets/ticket_list.html", _list_context(request, form=form), status=400)


@require_POST
def saved_view_create(request):
    return _view_saved(request, None)


@require_POST
def saved_view_edit(request, pk: int):
    _staff_only(request)
    saved_view_get_for_user(user=request.user, pk=pk)
    return _view_saved(request, pk)


@require_POST
def saved_view_delete(request, pk: int):
    _staff_only(request)
    view = saved_view_get_for_user(user=request.user, pk=pk)
    try:
        services.saved_view_delete(by=request.user, view_id=view.pk)
    except NotAllowedError as exc:
        raise PermissionDenied(exc.message) from None
    except TicketError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect("tickets:list")


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
                    attachments=data.get("attachment") or [],
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
    watchers = ticket_watchers(ticket=ticket)
    watching = any(watcher.user_id == user.pk for watcher in watchers)
    forms = {}
    if ticket.status != Status.CLOSED and (owner or can_act or watching):
        forms["comment"] = CommentForm(ticket=ticket, staff=staff and (can_act or watching))
    if ticket.status != Status.CLOSED and (owner or can_act):
        forms["watcher_add"] = WatcherAddForm(ticket=ticket)
    if can_act:
        forms["link_add"] = LinkAddForm(ticket=ticket)
        if ticket.status != Status.CLOSED:
            forms["merge"] = MergeForm(ticket=ticket)
    if can_act:
        if ticket.status != Status.CLOSED:
            forms["edit"] = EditForm(
                ticket=ticket, initial={"subject": ticket.subject, "description": ticket.description}
            )
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
            forms["parent"] = ParentForm(ticket=ticket)
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
    if can_act and ticket.parent_id and ticket.status != Status.CLOSED:
        forms["parent_clear"] = ParentClearForm(ticket=ticket)
    for key, form in (bound or {}).items():
        forms[key] = form
    return {
        # Requesters see neither: a parent or child may be someone else's ticket.
        "family": ticket_family(ticket=ticket) if staff else None,
        "ticket": ticket,
        "timeline": ticket_timeline(ticket=ticket, user=user),
        "attachments": ticket_attachments(ticket=ticket),
        "forms": forms,
        "staff": staff,
        "can_act": can_act,
        "owner": owner,
        "can_take": can_act and is_open and ticket.assignee_id != user.pk,
        "watchers": watchers,
        "watching": watching,
        "can_follow": staff and not watching and not owner and ticket.status != Status.CLOSED,
        # Who may take someone off the list: the watcher themself, the requester, staff here.
        "can_unwatch_others": owner or can_act,
        "links": ticket_links_for_user(ticket=ticket, user=user),
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
            "attachments": data.get("attachment") or [],
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


def _refusable(request, reference, perform, success: str, *, key: str = "", form=None):
    """Call a service for the ticket: redirect with a message, or the page again with the
    refusal (403 when the person may not, 409 when the ticket does not allow it)."""
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    try:
        target = perform(ticket)
    except TicketError as exc:
        messages.error(request, exc.message)
        ticket.refresh_from_db()
        context = _detail_context(request, ticket, {key: form} if key else None)
        return render(
            request, "tickets/ticket_detail.html", context, status=403 if isinstance(exc, NotAllowedError) else 409
        )
    messages.success(request, success)
    return redirect(target if isinstance(target, Ticket) else ticket)


@require_POST
def ticket_watcher_add(request, reference):
    """The requester (or staff at the ticket's level) copies a colleague in by email."""
    return _action(
        request,
        reference,
        key="watcher_add",
        form_class=WatcherAddForm,
        perform=lambda t, d: services.watcher_add(ticket_id=t.pk, by=request.user, email=d["email"]),
        success=_("Your colleague was added: they can now read and follow this ticket."),
    )


@require_POST
def ticket_follow(request, reference):
    return _refusable(
        request,
        reference,
        lambda t: services.ticket_follow(ticket_id=t.pk, by=request.user),
        _("You follow this ticket now."),
    )


@require_POST
def ticket_watcher_remove(request, reference, user):
    return _refusable(
        request,
        reference,
        lambda t: services.watcher_remove(ticket_id=t.pk, by=request.user, user_id=user),
        _("They no longer follow this ticket.") if user != request.user.pk else _("You no longer follow this ticket."),
    )


@require_POST
def ticket_link_add(request, reference):
    return _action(
        request,
        reference,
        key="link_add",
        form_class=LinkAddForm,
        perform=lambda t, d: services.ticket_link_add(
            ticket_id=t.pk, by=request.user, to_reference=d["reference"], kind=d["kind"]
        ),
        success=_("Link added."),
    )


@require_POST
def ticket_link_remove(request, reference, link):
    return _refusable(
        request,
        reference,
        lambda t: services.ticket_link_remove(ticket_id=t.pk, by=request.user, link_id=link),
        _("Link removed."),
    )


@require_POST
def ticket_merge(request, reference):
    """Merge this ticket into another; the agent lands on the ticket it was merged into."""
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    form = MergeForm(request.POST, ticket=ticket)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return render(
            request, "tickets/ticket_detail.html", _detail_context(request, ticket, {"merge": form}), status=400
        )
    return _refusable(
        request,
        reference,
        lambda t: services.ticket_merge(ticket_id=t.pk, by=request.user, into_reference=form.cleaned_data["into"]),
        _("Merged: %(ref)s is closed and points here.") % {"ref": ticket.reference},
        key="merge",
        form=form,
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
        perform=lambda t, d: outcomes_report(
            request,
            services.ticket_resolve_with_children(ticket_id=t.pk, by=request.user, resolution=d["resolution"])[1],
        ),
        success=_("Resolved. The requester has been asked to confirm."),
    )


def outcomes_report(request, outcomes) -> None:
    """One message for the tickets a set-wide action resolved, one for each it could not."""
    done = [outcome.reference for outcome in outcomes if outcome.done]
    if done:
        messages.success(
            request,
            _("Also resolved, their requesters told: %(refs)s.") % {"refs": ", ".join(done)},
        )
    for outcome in outcomes:
        if not outcome.done:
            messages.warning(
                request,
                _("%(ref)s was not resolved: %(reason)s") % {"ref": outcome.reference, "reason": outcome.message},
            )


@require_POST
def ticket_parent(request, reference):
    return _action(
        request,
        reference,
        key="parent",
        form_class=ParentForm,
        perform=lambda t, d: services.ticket_parent_set(ticket_id=t.pk, by=request.user, parent_reference=d["parent"]),
        success=_("Parent ticket set. Resolving it will resolve this ticket too."),
    )


@require_POST
def ticket_parent_clear(request, reference):
    return _action(
        request,
        reference,
        key="parent_clear",
        form_class=ParentClearForm,
        perform=lambda t, d: services.ticket_parent_clear(ticket_id=t.pk, by=request.user),
        success=_("This ticket no longer has a parent."),
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
def ticket_edit(request, reference):
    return _action(
        request,
        reference,
        key="edit",
        form_class=EditForm,
        perform=lambda t, d: services.ticket_edit(
            ticket_id=t.pk, by=request.user, subject=d["subject"], description=d["description"]
        ),
        success=_("Correction saved; the earlier text stays in the history."),
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
        "bulk_form": bulk_form_for(request),
    }
    template = "tickets/_queue_table.html" if request.headers.get("HX-Request") else "tickets/queue.html"
    return render(request, template, context)


def bulk_form_for(request, data=None) -> BulkForm:
    """The bulk bar's form for this person (tickets/_bulk_bar.html): any list of tickets
    includes the bar and names its checkboxes ``tickets`` with ``form="bulk-form"``."""
    return BulkForm(
        data,
        user=request.user,
        agents=assignable_agents(level=Level.I),
        matching=lambda query, limit: ticket_list_matching(user=request.user, query=query, limit=limit),
        initial={"next": request.get_full_path()},
    )


def _back_to(request, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("tickets:queue")


@require_POST
@permission_required("tickets.work_ticket", raise_exception=True)
def bulk(request):
    """One action for many tickets: each through its own service, each in its own
    transaction; the answer lists every ticket, done or refused and why. htmx gets the
    result alone (and the list is told to refresh); a plain post, a page of its own."""
    if not agent_levels(request.user):
        raise PermissionDenied
    form = bulk_form_for(request, request.POST)
    status, outcomes = 400, None
    if form.is_valid():
        data = form.cleaned_data
        try:
            outcomes = services.tickets_bulk_apply(
                by=request.user, references=data["references"], action=data["action"], params=data["params"]
            )
        except TicketError as exc:
            form.add_error(None, exc.message)
        else:
            status = 200
    context = {
        "form": form,
        "outcomes": outcomes,
        "done": sum(1 for outcome in outcomes if outcome.done) if outcomes else 0,
        "refused": sum(1 for outcome in outcomes if not outcome.done) if outcomes else 0,
        "back": _back_to(request, form.data.get("next", "")),
    }
    htmx = bool(request.headers.get("HX-Request"))
    template = "tickets/_bulk_result.html" if htmx else "tickets/bulk_result.html"
    response = render(request, template, context, status=status)
    if htmx and outcomes:
        response["HX-Trigger"] = "tickets-changed"
    return response


@require_GET
@permission_required("tickets.supervise_ticket", raise_exception=True)
def dashboard(request):
    data = dashboard_data()
    return render(
        request,
        "tickets/dashboard.html",
        {
            "data": data,
            # The list of the tickets escalated today (the figure's drill-down).
            "escalated_query": QueryDict.fromkeys(["escalated_after"], data.today_from.isoformat()).urlencode(),
            "risk": sla_risk(),
            "deliveries": notification_counts(),
            "now": timezone.now(),
            "queue_url": reverse("tickets:queue"),
            "list_url": reverse("tickets:list"),
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
