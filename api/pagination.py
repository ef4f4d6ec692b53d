from rest_framework.pagination import CursorPagination

# The annotation a search adds (tickets.search.ticket_search): results come best first.
SEARCH_RANK = "search_rank"


class TicketCursorPagination(CursorPagination):
    """Stable pages over a changing list, with no COUNT over the whole table. A search
    (``?q=``) is paged best match first, unless ``ordering`` asks otherwise."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-id")

    def get_ordering(self, request, queryset, view):
        if SEARCH_RANK in queryset.query.annotations and not request.query_params.get("ordering"):
            return (f"-{SEARCH_RANK}", "-id")
        return super().get_ordering(request, queryset, view)
