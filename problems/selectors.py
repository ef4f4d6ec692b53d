"""Reads of the problems app: the list, one problem with its incidents and history, and
the problems a ticket is an incident of. Support staff only: anyone else gets a 404, so
references cannot be probed."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.selectors import agent_levels
from tickets.models import Ticket
from tickets.text import single_line

from .models import Problem, ProblemEvent, ProblemIncident, pk_from_reference


def is_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(agent_levels(user))


def problem_list(*, status: str = "", search: str = "") -> QuerySet[Problem]:
    """Problems, newest first, with their owner and how many incidents each has: one query
    for a page of them whatever it holds. ``search`` finds words of the title, description,
    root cause or workaround, or a reference (PRB-000012)."""
    problems = Problem.objects.select_related("owner").annotate(incident_count=Count("links"))
    if status:
        problems = problems.filter(status=status)
    search = single_line(search or "")[:200]
    if search:
        pk = pk_from_reference(search)
        if pk is not None:
            problems = problems.filter(pk=pk)
        else:
            problems = problems.filter(
                Q(title__icontains=search)
                | Q(description__icontains=search)
                | Q(root_cause__icontains=search)
                | Q(workaround__icontains=search)
            )
    return problems.order_by("-created_at", "-id")


def problem_get(*, user, reference: str) -> Problem:
    """One problem with its owner, for support staff (anyone else: 404)."""
    pk = pk_from_reference(reference)
    if pk is None or not is_staff(user):
        raise Http404
    problem = (
        Problem.objects.select_related("owner", "created_by")
        .annotate(incident_count=Count("links"))
        .filter(pk=pk)
        .first()
    )
    if problem is None:
        raise Http404
    return problem


def problem_incidents(*, problem: Problem) -> list[ProblemIncident]:
    """The problem's incidents, in the order they were linked, with their tickets' people."""
    return list(
        ProblemIncident.objects.filter(problem=problem)
        .select_related("ticket", "ticket__requester", "ticket__assignee", "added_by")
        .order_by("added_at", "id")
    )


def problem_history(*, problem: Problem) -> list[ProblemEvent]:
    return list(ProblemEvent.objects.filter(problem=problem).select_related("actor").order_by("created_at", "id"))


def ticket_problems(*, ticket: Ticket) -> list[Problem]:
    """The problems a ticket is an incident of, newest first (two queries at most)."""
    return list(Problem.objects.filter(links__ticket=ticket).select_related("owner").order_by("-created_at", "-id"))
