"""The supervisors' configuration pages: levels and their members, categories, SLA
policies, holidays, and the recompute of due times a change offers."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.exceptions import LevelMembershipError
from accounts.selectors import support_levels_with_members
from accounts.services import support_level_member_add, support_level_member_remove
from sla.exceptions import SlaConfigurationError
from sla.services import holiday_add, holiday_delete, sla_policy_delete, sla_policy_save
from tickets.exceptions import TicketError
from tickets.services import category_save

from .choices import RecomputeScope
from .exceptions import ConfigurationError
from .forms import CategoryForm, HolidayForm, LevelMemberForm, RecomputeForm, SlaPolicyForm
from .selectors import (
    calendars_with_holidays,
    categories_listed,
    category_get,
    governed_open_tickets,
    recompute_run_get,
    recompute_runs_recent,
    recompute_scope_subject,
    sla_default_policy,
    sla_policies_listed,
    sla_policy_get,
)
from .services import recompute_request


def _supervisors_only(user) -> None:
    if not user.has_perm("tickets.supervise_ticket"):
        raise PermissionDenied


def _offer(*, policy_id: int | None = None, calendar_id: int | None = None):
    """After a change that moves due times: the page that offers to recompute them."""
    query = f"policy={policy_id}" if policy_id is not None else f"calendar={calendar_id}"
    return redirect(f"{reverse('configuration:recompute')}?{query}")


@require_GET
def index(request):
    _supervisors_only(request.user)
    return render(request, "configuration/index.html", {"runs": recompute_runs_recent(limit=10)})


# --- levels and their members ---------------------------------------------------------


def _levels_page(request, form, status=200):
    return render(
        request, "configuration/levels.html", {"levels": support_levels_with_members(), "form": form}, status=status
    )


@require_http_methods(["GET", "POST"])
def levels(request):
    """Which agents work which level; a supervisor adds one to a level here."""
    _supervisors_only(request.user)
    if request.method == "POST":
        form = LevelMemberForm(request.POST)
        if form.is_valid():
            try:
                support_level_member_add(level=form.cleaned_data["level"], user_id=form.cleaned_data["agent"].pk)
            except LevelMembershipError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("%(agent)s now works %(level)s.")
                    % {"agent": form.cleaned_data["agent"], "level": form.cleaned_data["level"]},
                )
                return redirect("configuration:levels")
        return _levels_page(request, form, status=400)
    return _levels_page(request, LevelMemberForm())


@require_POST
def level_member_remove(request):
    _supervisors_only(request.user)
    form = LevelMemberForm(request.POST)
    if not form.is_valid():
        return _levels_page(request, form, status=400)
    try:
        support_level_member_remove(level=form.cleaned_data["level"], user_id=form.cleaned_data["agent"].pk)
    except LevelMembershipError as error:
        form.add_error(None, error.message)
        return _levels_page(request, form, status=400)
    messages.success(request, _("%(agent)s no longer works that level.") % {"agent": form.cleaned_data["agent"]})
    return redirect("configuration:levels")


# --- categories -----------------------------------------------------------------------


def _category_saved(request, form, category_id):
    if not form.is_valid():
        return False
    try:
        category_save(category_id=category_id, **form.cleaned_data)
    except TicketError as error:
        form.add_error(None, error.message)
        return False
    return True


@require_http_methods(["GET", "POST"])
def categories(request):
    _supervisors_only(request.user)
    form = CategoryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if _category_saved(request, form, None):
            messages.success(request, _("The category was saved."))
            return redirect("configuration:categories")
        status = 400
    listed = categories_listed()
    return render(request, "configuration/categories.html", {"categories": listed, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
def category_edit(request, pk):
    _supervisors_only(request.user)
    category = category_get(category_id=pk)
    if category is None:
        raise Http404
    initial = {
        "name": category.name,
        "description": category.description,
        "default_level": category.default_level,
        "default_impact": category.default_impact,
        "is_active": category.is_active,
    }
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if _category_saved(request, form, category.pk):
            messages.success(request, _("The category was saved."))
            return redirect("configuration:categories")
        return render(request, "configuration/category_edit.html", {"category": category, "form": form}, status=400)
    return render(request, "configuration/category_edit.html", {"category": category, "form": form})


# --- SLA policies ---------------------------------------------------------------------


def _policy_saved(form, policy_id):
    if not form.is_valid():
        return None
    data = form.cleaned_data
    category = data.get("category")
    try:
        return sla_policy_save(
            policy_id=policy_id,
            priority=data.get("priority") or 0,
            category_id=category.pk if category else None,
            calendar_id=data["calendar"].pk,
            first_response_minutes=data["first_response_minutes"],
            resolution_minutes=data["resolution_minutes"],
            first_warning_percent=data["first_warning_percent"],
            second_warning_percent=data["second_warning_percent"],
        )
    except SlaConfigurationError as error:
        form.add_error(None, error.message)
        return None


@require_http_methods(["GET", "POST"])
def sla_policies(request):
    _supervisors_only(request.user)
    form = SlaPolicyForm(request.POST or None, initial={"first_warning_percent": 50, "second_warning_percent": 80})
    status = 200
    if request.method == "POST":
        policy = _policy_saved(form, None)
        if policy is not None:
            messages.success(request, _("The SLA policy was saved."))
            return _offer(policy_id=policy.pk)
        status = 400
    policies = sla_policies_listed()
    return render(request, "configuration/sla_policies.html", {"policies": policies, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
def sla_policy_edit(request, pk):
    _supervisors_only(request.user)
    policy = sla_policy_get(policy_id=pk)
    if policy is None:
        raise Http404
    initial = {
        "calendar": policy.calendar_id,
        "first_response_minutes": policy.first_response_minutes,
        "resolution_minutes": policy.resolution_minutes,
        "first_warning_percent": policy.first_warning_percent,
        "second_warning_percent": policy.second_warning_percent,
    }
    form = SlaPolicyForm(request.POST or None, initial=initial, creating=False)
    if request.method == "POST":
        if form.is_valid() and not form.has_changed():
            messages.info(request, _("Nothing was changed."))
            return redirect("configuration:sla-policies")
        if _policy_saved(form, policy.pk) is not None:
            messages.success(request, _("The SLA policy was saved."))
            return _offer(policy_id=policy.pk)
        return render(request, "configuration/sla_policy_edit.html", {"policy": policy, "form": form}, status=400)
    return render(request, "configuration/sla_policy_edit.html", {"policy": policy, "form": form})


@require_POST
def sla_policy_remove(request, pk):
    _supervisors_only(request.user)
    try:
        policy = sla_policy_delete(policy_id=pk)
    except SlaConfigurationError as error:
        messages.error(request, error.message)
        return redirect("configuration:sla-policies")
    messages.success(request, _("The SLA policy was deleted; its tickets count under the priority's default."))
    default = sla_default_policy(priority=policy.priority)
    return _offer(policy_id=default.pk) if default else redirect("configuration:sla-policies")


# --- business calendars and their holidays -----------------------------------------


@require_http_methods(["GET", "POST"])
def calendars(request):
    _supervisors_only(request.user)
    form = HolidayForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                holiday = holiday_add(calendar_id=data["calendar"].pk, date=data["date"], name=data["name"])
            except SlaConfigurationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The holiday was added."))
                return _offer(calendar_id=holiday.calendar_id)
        status = 400
    listed = calendars_with_holidays()
    return render(request, "configuration/calendars.html", {"calendars": listed, "form": form}, status=status)


@require_POST
def holiday_remove(request, pk):
    _supervisors_only(request.user)
    try:
        holiday = holiday_delete(holiday_id=pk)
    except SlaConfigurationError as error:
        messages.error(request, error.message)
        return redirect("configuration:calendars")
    messages.success(request, _("The holiday was removed."))
    return _offer(calendar_id=holiday.calendar_id)


# --- recomputing due times -------------------------------------------------------------


def _scope_of(data) -> tuple[str, int | None, int | None] | None:
    form = RecomputeForm(data)
    if not form.is_valid():
        return None
    policy_id, calendar_id = form.cleaned_data["policy"], form.cleaned_data["calendar"]
    scope = RecomputeScope.POLICY if policy_id is not None else RecomputeScope.CALENDAR
    return scope, policy_id, calendar_id


@require_http_methods(["GET", "POST"])
def recompute(request):
    """ "N open tickets are governed by this; recompute their due times now?", and the
    confirmation, which starts the run and shows its progress."""
    _supervisors_only(request.user)
    scope = _scope_of(request.POST if request.method == "POST" else request.GET)
    if scope is None:
        raise Http404
    kind, policy_id, calendar_id = scope
    object_id = policy_id or calendar_id or 0
    subject = recompute_scope_subject(scope=kind, object_id=object_id)
    if subject is None:
        raise Http404
    if request.method == "POST":
        try:
            run, started = recompute_request(by=request.user, policy_id=policy_id, calendar_id=calendar_id)
        except ConfigurationError as error:
            messages.error(request, error.message)
            return redirect("configuration:index")
        if not started:
            messages.info(request, _("A recompute of this is already running; here is how far it got."))
        return redirect("configuration:recompute-run", pk=run.pk)
    count = governed_open_tickets(scope=kind, object_id=object_id).count()
    question = ngettext(
        "%(count)s open ticket is governed by this; recompute its due times now?",
        "%(count)s open tickets are governed by this; recompute their due times now?",
        count,
    ) % {"count": count}
    return render(
        request,
        "configuration/recompute.html",
        {
            "subject": subject,
            "count": count,
            "question": question,
            "policy_id": policy_id,
            "calendar_id": calendar_id,
            "back": reverse("configuration:sla-policies" if policy_id else "configuration:calendars"),
        },
    )


@require_GET
def recompute_run(request, pk):
    """A run's progress (the partial alone for HTMX, which polls it until it is done)."""
    _supervisors_only(request.user)
    run = recompute_run_get(run_id=pk)
    if run is None:
        raise Http404
    template = (
        "configuration/_recompute_progress.html"
        if request.headers.get("HX-Request")
        else "configuration/recompute_run.html"
    )
    return render(request, template, {"run": run})
