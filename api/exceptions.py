"""One JSON shape for every API error:

    {"error": {"status": 409, "code": "transition", "message": "…", "fields": {"reason": ["…"]}}}

``fields`` is present for input errors (400) and names each field with what is wrong.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Refused(exceptions.APIException):
    """The caller may not do this (their role or level): 403 with the reason."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "not_allowed"


class IllegalTransition(exceptions.APIException):
    """The move is not allowed from the current state: 409 with the reason."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "transition"


class Invalid(exceptions.APIException):
    """Input a service refused, with the reason (not tied to one field): 400."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def _error(status_code: int, code: str, message: str, fields: dict | None = None, headers=None) -> Response:
    body: dict = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    return Response({"error": body}, status=status_code, headers=headers)


def exception_handler(exc, context):
    if isinstance(exc, RecursionError | OverflowError):
        # Input too deep or too large for a parser or a conversion (JSON nested past the
        # stack, a date or number past what Python or the database holds): the caller's
        # fault, so 400 in the one shape, never a 500.
        logger.info("Refused input that overflowed a parser: %r", exc)
        return _error(400, "parse_error", _("The request could not be read: a value is too deep or too large."))
    if isinstance(exc, DjangoValidationError):
        fields = (
            {key: [str(m) for m in value] for key, value in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else None
        )
        return _error(400, "invalid", " ".join(exc.messages), fields)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    headers = {key: value for key, value in response.items() if key in ("Retry-After", "WWW-Authenticate", "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {
                ("non_field_errors" if key == "non_field_errors" else key): _flatten(value)
                for key, value in detail.items()
            }
        else:
            fields = {"non_field_errors": _flatten(detail)}
        messages = _flatten(detail)
        message = (
            messages[0]
            if len(messages) == 1
            else _("Check the fields listed: %(count)s problems.") % {"count": len(messages)}
        )
        return _error(400, "invalid", message, fields, headers)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if not isinstance(code, str):
        code = "error"
    return _error(response.status_code, code, " ".join(_flatten(response.data)), headers=headers)
