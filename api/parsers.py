"""Request bodies the API reads, bounded: JSON nested deeper than any body the API takes
is refused as a parse error (400), never left to exhaust the interpreter's stack."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# The deepest body the API documents is an object holding a list (depth 2); this leaves
# room for clients that wrap, and stays far below Python's recursion limit.
MAX_JSON_DEPTH = 32


def nesting_exceeds(data, limit: int) -> bool:
    """Whether objects and arrays in ``data`` nest more than ``limit`` deep (iteratively,
    so the check itself cannot overflow the stack)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, with the nesting bounded (MAX_JSON_DEPTH)."""

    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = _("JSON parse error - nested more than %(depth)s levels deep.") % {"depth": MAX_JSON_DEPTH}
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(too_deep) from None
        if nesting_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(too_deep)
        return data
