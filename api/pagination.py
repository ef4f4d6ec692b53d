from rest_framework.pagination import CursorPagination


class TicketCursorPagination(CursorPagination):
    """Stable pages over a changing list, with no COUNT over the whole table."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-id")
