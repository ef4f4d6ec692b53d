"""``Idempotency-Key`` for POSTs that create something: a retried request (same key, same
body) gets the first answer again and creates nothing; the same key with another body is
refused."""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.response import Response

from .exceptions import Conflict
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _digest(request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, default=str)
    except (TypeError, ValueError):
        body = repr(request.data)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(request, create: Callable[[], Response]) -> Response:
    """Run ``create`` once per idempotency key: without the header it simply runs."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return create()
    if len(key) > MAX_KEY_LENGTH:
        raise Conflict(_("An Idempotency-Key is at most %(n)s characters.") % {"n": MAX_KEY_LENGTH})
    digest = _digest(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record, created = IdempotencyKey.objects.select_for_update().get_or_create(
                    user=request.user, key=key, defaults={"endpoint": request.path[:255], "request_digest": digest}
                )
        except IntegrityError:  # the same key is being used by a request that just committed
            record, created = IdempotencyKey.objects.select_for_update().get(user=request.user, key=key), False
        if not created:
            if record.request_digest != digest:
                raise Conflict(_("This Idempotency-Key was already used for a different request."))
            if record.status_code is not None:
                headers = {"Location": record.location} if record.location else None
                replay = Response(record.response, status=record.status_code, headers=headers)
                replay["Idempotent-Replayed"] = "true"
                return replay
        response = create()
        if response.status_code < 500:
            record.status_code = response.status_code
            record.response = response.data
            record.location = response.get("Location", "")[:255]
            record.save(update_fields=["status_code", "response", "location"])
        return response
