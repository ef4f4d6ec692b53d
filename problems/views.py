"""Pages of the problems app: the list, a new problem (on its own or from a ticket), one
problem with its incidents and history, and the panel on each incident's page. Support
staff only: requesters are refused (403), and a ticket that is not theirs is a 404."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import agent_can_act_at, assignable_agents
from tickets.selectors import ticket_get_for_user
from tickets.views import outcomes_report

from . import services
from .choices import ProblemStatus
from .exceptions import ProblemError, ProblemForbidden
from .forms import IncidentLinkForm, ProblemCreateForm, ProblemEditForm, ProblemFilterForm, ProblemResolveForm
from .selectors import is_staff, problem_get, problem_history, problem_incidents, problem_list, ticket_problems

PAGE_SIZE = 50


def _staff_only(user) -> None:
    if not is_staff(user):
        raise PermissionDenied


def _refusal_status(error: ProblemError) -> int:
    return 403 if isinstance(error, ProblemForbidden) else 409


def _refused(form, error: ProblemError) -> int:
    form.add_error(error.field if error.field in form.fields else None, error.message)
    return _refusal_status(error) if not error.field else 400


@require_GET
def problem_list_page(request):
    """Problems, filtered by status and words; a page costs the same few queries whatever it holds."""
    _staff_only(request.user)
    form = ProblemFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    problems = problem_list(status=filters.get("status") or "", search=filters.get("q") or "")
    page = Paginator(problems, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "problems/problem_list.html",
        {"form": form, "page": page, "new_form": ProblemCreateForm(action=reverse("problems:new"))},
    )


@require_http_methods(["GET", "POST"])
def problem_new(request):
    _staff_only(request.user)
    return _create(request, ticket=None, action=reverse("problems:new"))


@require_http_methods(["GET", "POST"])
def problem_from_ticket(request, reference):
    """A new problem whose first incident is this ticket, its title and description taken from it."""
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    _staff_only(request.user)
    return _create(request, ticket=ticket, action=reverse("problems:from-ticket", kwargs={"reference": reference}))


def _create(request, *, ticket, action: str):
    initial = {"title": ticket.subject, "description": ticket.description} if ticket is not None else None
    form = ProblemCreateForm(request.POST or None, action=action, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                problem = services.problem_create(
                    by=request.user,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    ticket_id=ticket.pk if ticket is not None else None,
                )
            except ProblemError as error:
                status = _refused(form, error)
            else:
                messages.success(request, _("%(ref)s opened.") % {"ref": problem.reference})
                return redirect(problem)
    return render(request, "problems/problem_new.html", {"form": form, "ticket": ticket}, status=status)


def _owners() -> list[tuple[int, str]]:
    return [(person.pk, str(person)) for person in assignable_agents(level=1)]


def _forms(problem, bound: dict | None = None) -> dict:
    ref = {"reference": problem.reference}
    forms: dict = {}
    if problem.is_active:
        forms["edit"] = ProblemEditForm(
            action=reverse("problems:edit", kwargs=ref),
            owners=_owners(),
            initial={
                "title": problem.title,
                "status": problem.status,
                "owner": problem.owner_id,
                "description": problem.description,
                "root_cause": problem.root_cause,
                "workaround": problem.workaround,
            },
        )
        forms["link"] = IncidentLinkForm(action=reverse("problems:link", kwargs=ref))
    if problem.status != ProblemStatus.CLOSED:
        forms["resolve"] = ProblemResolveForm(
            action=reverse("problems:resolve", kwargs=ref),
            initial={
                "resolution": problem.resolution,
                "status": ProblemStatus.CLOSED if problem.status == ProblemStatus.RESOLVED else ProblemStatus.RESOLVED,
            },
        )
    forms.update(bound or {})
    return forms


def _detail(request, problem, bound: dict | None = None, status: int = 200):
    return render(
        request,
        "problems/problem_detail.html",
        {
            "problem": problem,
            "incidents": problem_incidents(problem=problem),
            "history": problem_history(problem=problem),
            "forms": _forms(problem, bound),
        },
        status=status,
    )


@require_GET
def problem_detail(request, reference):
    _staff_only(request.user)
    return _detail(request, problem_get(user=request.user, reference=reference))


def _problem_for_post(request, reference):
    _staff_only(request.user)
    return problem_get(user=request.user, reference=reference)


@require_POST
def problem_edit(request, reference):
    problem = _problem_for_post(request, reference)
    form = ProblemEditForm(
        request.POST, action=reverse("problems:edit", kwargs={"reference": reference}), owners=_owners()
    )
    status = 400
    if form.is_valid():
        try:
            services.problem_update(problem_id=problem.pk, by=request.user, changes=form.cleaned_data)
        except ProblemError as error:
            status = _refused(form, error)
        else:
            messages.success(request, _("%(ref)s saved.") % {"ref": problem.reference})
            return redirect(problem)
    return _detail(request, problem, {"edit": form}, status=status)


@require_POST
def problem_link(request, reference):
    problem = _problem_for_post(request, reference)
    form = IncidentLinkForm(request.POST, action=reverse("problems:link", kwargs={"reference": reference}))
    status = 400
    if form.is_valid():
        try:
            link = services.problem_incident_link(
                problem_id=problem.pk, by=request.user, ticket_reference=form.cleaned_data["ticket"]
            )
        except ProblemError as error:
            status = _refused(form, error)
        else:
            messages.success(
                request,
                _("%(ticket)s is now an incident of %(ref)s.")
                % {"ticket": link.ticket.reference, "ref": problem.reference},
            )
            return redirect(problem)
    return _detail(request, problem, {"link": form}, status=status)


@require_POST
def problem_unlink(request, reference, ticket):
    problem = _problem_for_post(request, reference)
    try:
        services.problem_incident_unlink(problem_id=problem.pk, by=request.user, ticket_reference=ticket)
    except ProblemError as error:
        messages.error(request, error.message)
        return _detail(request, problem, status=_refusal_status(error))
    messages.success(
        request, _("%(ticket)s is no longer an incident of %(ref)s.") % {"ticket": ticket, "ref": problem.reference}
    )
    return redirect(problem)


@require_POST
def problem_resolve(request, reference):
    problem = _problem_for_post(request, reference)
    form = ProblemResolveForm(request.POST, action=reverse("problems:resolve", kwargs={"reference": reference}))
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.problem_resolve(
                problem_id=problem.pk,
                by=request.user,
                resolution=data["resolution"],
                status=data["status"],
                resolve_incidents=data["resolve_incidents"],
            )
        except ProblemError as error:
            status = _refused(form, error)
        else:
            messages.success(
                request,
                _("%(ref)s is now “%(status)s”.")
                % {"ref": problem.reference, "status": result.problem.get_status_display()},
            )
            outcomes_report(request, result.incidents)
            return redirect(problem)
    return _detail(request, problem, {"resolve": form}, status=status)


@require_GET
def ticket_panel(request, reference):
    """The problems a ticket is an incident of, with their root cause and workaround, on
    the ticket's page (HTMX). Support staff only."""
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    _staff_only(request.user)
    return render(
        request,
        "problems/_ticket_panel.html",
        {
            "ticket": ticket,
            "problems": ticket_problems(ticket=ticket),
            "can_act": agent_can_act_at(request.user, ticket.level),
        },
    )


@require_POST
def workaround_send(request, reference, problem):
    """Post the problem's workaround on the ticket as a public reply (the requester is told as for any reply)."""
    ticket = ticket_get_for_user(user=request.user, reference=reference, write=True)
    _staff_only(request.user)
    found = problem_get(user=request.user, reference=problem)
    try:
        services.problem_workaround_send(problem_id=found.pk, ticket_id=ticket.pk, by=request.user)
    except ProblemError as error:
        if isinstance(error, ProblemForbidden):
            raise PermissionDenied from None
        return render(
            request,
            "problems/refused.html",
            {"ticket": ticket, "message": error.message},
            status=_refusal_status(error),
        )
    messages.success(request, _("The workaround of %(ref)s was sent to the requester.") % {"ref": found.reference})
    return redirect(ticket)
