"""The search page: one box on every page, tickets (and their replies) ranked by the words."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_GET

from accounts.selectors import agent_levels
from knowledge.selectors import articles_suggested, kb_open_to
from tickets.models import Ticket, pk_from_reference, reference_for
from tickets.search import ticket_search, ticket_search_headlines

from .forms import SearchForm

PAGE_SIZE = 20
# Articles shown above the tickets (the first results page only).
ARTICLES_SHOWN = 5
# Fields a result row shows; the rest of the ticket stays in the database.
RESULT_FIELDS = (
    "subject",
    "status",
    "priority",
    "level",
    "updated_at",
    "requester__first_name",
    "requester__last_name",
    "requester__username",
)


def _filtered(tickets, data: dict, *, staff: bool):
    for name in ("status", "priority", "level"):
        if data.get(name) not in (None, ""):
            tickets = tickets.filter(**{name: data[name]})
    if data.get("created_after"):
        tickets = tickets.filter(created_at__date__gte=data["created_after"])
    if data.get("created_before"):
        tickets = tickets.filter(created_at__date__lte=data["created_before"])
    if staff and data.get("requester"):
        who = data["requester"]
        people = get_user_model().objects.filter(Q(username__iexact=who) | Q(email__iexact=who))
        tickets = tickets.filter(requester__in=people)
    return tickets


@require_GET
def search(request):
    """Results for ``q`` with the filters kept; ``HD-000123`` opens that ticket when the
    person may see it. Requesters find only their own tickets; internal notes are searched
    for support staff only. Matching knowledge base articles (internal ones for staff)
    come first, on the first page."""
    staff = bool(agent_levels(request.user))
    form = SearchForm(request.GET, staff=staff)
    context = {"form": form, "results": [], "articles": [], "query": "", "has_next": False, "page": 1, "staff": staff}
    if not form.is_valid():
        return render(request, "search/results.html", context, status=400)
    data = form.cleaned_data
    query = data["q"]
    pk = pk_from_reference(query)
    if pk is not None:
        visible = Ticket.objects.filter(pk=pk) if staff else Ticket.objects.filter(pk=pk, requester=request.user)
        if visible.exists():
            return redirect("tickets:detail", reference=reference_for(pk))
    page = data.get("page") or 1
    found = ticket_search(user=request.user, query=query)
    found = _filtered(found, data, staff=staff).select_related("requester").only(*RESULT_FIELDS)
    rows = list(found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    headlines = ticket_search_headlines(user=request.user, query=query, tickets=rows)
    if query and page == 1 and kb_open_to(request.user):
        context["articles"] = articles_suggested(
            query, translation.get_language() or "en", ARTICLES_SHOWN, internal=staff
        )
    context.update(
        query=query,
        results=[(ticket, headlines.get(ticket.pk)) for ticket in rows],
        has_next=has_next,
        page=page,
        searched=bool(query),
    )
    return render(request, "search/results.html", context)
