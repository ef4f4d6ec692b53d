"""Saved views of the ticket list: a name for a set of its filters, one's own or shared."""

from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import agent_levels

from ..exceptions import NotAllowedError, TicketError
from ..filters import LIST_PAGE_SIZES, LIST_SORTS, TicketListFilter
from ..models import SAVED_VIEW_NAME_LENGTH, SAVED_VIEW_QUERY_LENGTH, SavedView
from ..text import single_line


def saved_view_may_manage(user, view: SavedView) -> bool:
    """Its owner changes a view; a shared one, supervisors and administrators too."""
    return view.owner_id == user.pk or (view.is_shared and user.has_perm("tickets.supervise_ticket"))


def filter_errors_text(list_filter: TicketListFilter) -> str:
    """What is wrong with a list's filters, one sentence per filter, each naming it."""
    parts = []
    for name, errors in list_filter.errors.items():
        label = list_filter.filters[name].label if name in list_filter.filters else name
        parts.append(f"{label}: {' '.join(str(error) for error in errors)}")
    return " ".join(parts)


def list_query_normalised(*, user, params) -> str:
    """The ticket list's query string as its filters read it: only the filters, the sort
    and the page size the list knows, each checked, empty ones left out, in a fixed
    order. Raises TicketError naming what does not parse."""
    known = TicketListFilter.base_filters
    list_filter = TicketListFilter(params, queryset=SavedView.objects.none(), user=user)
    if not list_filter.is_valid():
        raise TicketError(_("Some filters are not valid: %(errors)s") % {"errors": filter_errors_text(list_filter)})
    query = QueryDict(mutable=True)
    for name in known:
        values = [single_line(value) for value in params.getlist(name)] if hasattr(params, "getlist") else []
        values = [value for value in values if value]
        if values:
            query.setlist(name, values)
    sort = params.get("sort", "")
    if sort and sort in LIST_SORTS:
        query["sort"] = sort
    per_page = params.get("per_page", "")
    if per_page in {str(size) for size in LIST_PAGE_SIZES}:
        query["per_page"] = per_page
    return query.urlencode()


@transaction.atomic
def saved_view_save(*, by, name: str, params, shared: bool = False, view_id: int | None = None) -> SavedView:
    """Create a saved view of the list's current filters (or, with ``view_id``, rename,
    re-filter or re-share one the person may manage)."""
    if not agent_levels(by):
        raise NotAllowedError(_("Only support staff save views of the ticket list."))
    name = single_line(name)
    if not name:
        raise TicketError(_("Give the view a name."))
    if len(name) > SAVED_VIEW_NAME_LENGTH:
        raise TicketError(_("A view's name is at most %(n)s characters long.") % {"n": SAVED_VIEW_NAME_LENGTH})
    query = list_query_normalised(user=by, params=params)
    if len(query) > SAVED_VIEW_QUERY_LENGTH:
        raise TicketError(_("These filters are too long to save; remove some of them."))
    if view_id is None:
        return SavedView.objects.create(owner=by, name=name, query=query, is_shared=bool(shared))
    view = SavedView.objects.select_for_update().filter(pk=view_id).first()
    if view is None or not (view.owner_id == by.pk or view.is_shared):
        raise TicketError(_("That saved view no longer exists."))
    if not saved_view_may_manage(by, view):
        raise NotAllowedError(_("Only its owner, a supervisor or an administrator may change a shared view."))
    view.name, view.query, view.is_shared, view.updated_at = name, query, bool(shared), timezone.now()
    view.save(update_fields=["name", "query", "is_shared", "updated_at"])
    return view


@transaction.atomic
def saved_view_delete(*, by, view_id: int) -> None:
    view = SavedView.objects.select_for_update().filter(pk=view_id).first()
    if view is None or not (view.owner_id == by.pk or view.is_shared):
        raise TicketError(_("That saved view no longer exists."))
    if not saved_view_may_manage(by, view):
        raise NotAllowedError(_("Only its owner, a supervisor or an administrator may delete a shared view."))
    view.delete()
