from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .selectors import Check, broker_check, database_check, worker_check


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """200 when the database, the broker and the worker heartbeat are all well, else 503."""
    checks = {"database": database_check(), "broker": broker_check()}
    checks["worker"] = worker_check() if checks["database"].ok else Check(False, "database unavailable")
    healthy = all(check.ok for check in checks.values())
    body = {
        "status": "ok" if healthy else "unhealthy",
        "checks": {name: {"ok": check.ok, "detail": check.detail} for name, check in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)
