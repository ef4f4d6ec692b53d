"""Maintenance pages: plans for staff to read, kept by supervisors and administrators;
the recurrence preview and the dashboard's overdue panel are htmx partials."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.choices import Role
from accounts.selectors import user_role

from . import services
from .exceptions import MaintenanceError, NotAllowedError
from .forms import PlanActiveForm, PlanForm
from .selectors import plan_get, plan_list, plan_preview, plan_runs, runs_overdue

PREVIEW_FIELDS = ("preset", "rrule", "start_date", "start_time", "time_zone")


def _staff_only(request) -> None:
    if user_role(request.user) in (None, Role.REQUESTER):
        raise PermissionDenied


def _planners_only(request) -> None:
    if user_role(request.user) not in (Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied


def _is_planner(user) -> bool:
    return user_role(user) in (Role.SUPERVISOR, Role.ADMIN)


@require_GET
def plan_index(request):
    _staff_only(request)
    return render(
        request,
        "maintenance/plan_list.html",
        {"plans": list(plan_list()), "can_plan": _is_planner(request.user), "now": timezone.now()},
    )


def _preview_context(form: PlanForm) -> dict:
    """The next occurrences of what the form says so far, or why there are none."""
    form.is_valid()
    start, rule = form.dtstart(), form.rule()
    error = ""
    for name in ("preset", "rrule", "start_date", "start_time", "time_zone"):
        if form.errors.get(name):
            error = str(form.errors[name][0])
            break
    if start is None or not rule or error:
        return {"preview": [], "preview_error": error, "preview_zone": ""}
    zone = form.cleaned_data["time_zone"]
    return {
        "preview": plan_preview(rrule=rule, dtstart=start, time_zone=zone, after=timezone.now()),
        "preview_error": "",
        "preview_zone": zone,
    }


def _form_page(request, *, form: PlanForm, title: str, plan=None, status: int = 200):
    context = {"form": form, "title": title, "plan": plan}
    context.update(_preview_context(form) if form.is_bound else {"preview": [], "preview_error": ""})
    return render(request, "maintenance/plan_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def plan_create(request):
    _planners_only(request)
    preview_url = reverse("maintenance:preview")
    if request.method == "GET":
        form = PlanForm(preview_url=preview_url, initial={"start_date": timezone.localdate()})
        return _form_page(request, form=form, title=_("New maintenance plan"))
    form = PlanForm(request.POST, preview_url=preview_url)
    if form.is_valid():
        try:
            plan = services.plan_create(by=request.user, fields=form.plan_fields())
        except NotAllowedError:
            raise PermissionDenied from None
        except MaintenanceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The plan is saved; its first ticket opens on time."))
            return redirect(plan)
    return _form_page(request, form=form, title=_("New maintenance plan"), status=400)


@require_GET
def plan_detail(request, pk):
    _staff_only(request)
    plan = plan_get(pk=pk)
    now = timezone.now()
    return render(
        request,
        "maintenance/plan_detail.html",
        {
            "plan": plan,
            "runs": plan_runs(plan=plan),
            "now": now,
            "upcoming": plan_preview(rrule=plan.rrule, dtstart=plan.dtstart, time_zone=plan.time_zone, after=now)
            if plan.is_active
            else [],
            "can_plan": _is_planner(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def plan_edit(request, pk):
    _planners_only(request)
    plan = plan_get(pk=pk)
    preview_url = reverse("maintenance:preview")
    title = _("Edit “%(name)s”") % {"name": plan.name}
    if request.method == "GET":
        form = PlanForm(initial=PlanForm.initial_for(plan), preview_url=preview_url)
        page = _form_page(request, form=form, title=title, plan=plan)
        return page
    form = PlanForm(request.POST, preview_url=preview_url)
    if form.is_valid():
        try:
            services.plan_update(plan_id=plan.pk, by=request.user, fields=form.plan_fields())
        except NotAllowedError:
            raise PermissionDenied from None
        except MaintenanceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The plan is saved."))
            return redirect(plan)
    return _form_page(request, form=form, title=title, plan=plan, status=400)


@require_POST
def plan_active(request, pk):
    _planners_only(request)
    plan = plan_get(pk=pk)
    form = PlanActiveForm(request.POST)
    active = form.is_valid() and form.cleaned_data["active"]
    services.plan_set_active(plan_id=plan.pk, by=request.user, active=active)
    messages.success(
        request,
        _("The plan is active again.") if active else _("The plan is deactivated: it opens no more tickets."),
    )
    return redirect(plan)


@require_GET
def preview(request):
    """The next five occurrences of the rule on the plan form (htmx)."""
    _planners_only(request)
    form = PlanForm({name: request.GET.get(name, "") for name in PREVIEW_FIELDS})
    return render(request, "maintenance/_preview.html", _preview_context(form))


@require_GET
def overdue(request):
    """The dashboard's panel: maintenance runs past their due time with their ticket open."""
    if not request.user.has_perm("tickets.supervise_ticket"):
        raise PermissionDenied
    now = timezone.now()
    total, runs = runs_overdue(now=now)
    return render(request, "maintenance/_overdue.html", {"total": total, "runs": runs, "now": now})
