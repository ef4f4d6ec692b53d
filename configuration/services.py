"""Writes of the configuration pages: asking for a recompute of the due times a changed
policy or calendar governs, and carrying it out in batches (tasks.py runs it)."""

from celery import current_app
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from sla.selectors import config_cache_clear
from tickets.services import tickets_sla_recompute

from .choices import ACTIVE_STATUSES, RECOMPUTE_BATCH_SIZE, RecomputeScope, RecomputeStatus
from .exceptions import ConfigurationError
from .models import RecomputeRun
from .selectors import governed_open_tickets, recompute_scope_subject

RECOMPUTE_TASK = "configuration.tasks.recompute_run"


def recompute_request(*, by, policy_id: int | None = None, calendar_id: int | None = None) -> tuple[RecomputeRun, bool]:
    """Ask for the due times of the open tickets a policy (or a calendar) governs to be
    recomputed; the run goes to a worker once this commits. While a run of the same scope
    is at work, that run is answered instead (``False``: nothing new was started)."""
    if policy_id is not None and calendar_id is None:
        scope, object_id = RecomputeScope.POLICY, policy_id
    elif calendar_id is not None and policy_id is None:
        scope, object_id = RecomputeScope.CALENDAR, calendar_id
    else:
        raise ConfigurationError(_("Choose one SLA policy or one business calendar to recompute."))
    subject = recompute_scope_subject(scope=scope, object_id=object_id)
    if subject is None:
        raise ConfigurationError(_("That SLA policy or calendar does not exist."))
    total = governed_open_tickets(scope=scope, object_id=object_id).count()
    try:
        with transaction.atomic():
            run = RecomputeRun.objects.create(
                scope=scope,
                object_id=object_id,
                subject=subject[:255],
                requested_by=by,
                total=total,
            )
    except IntegrityError:
        running = RecomputeRun.objects.filter(scope=scope, object_id=object_id, status__in=ACTIVE_STATUSES).first()
        if running is None:
            raise ConfigurationError(_("Another recompute just finished; ask again.")) from None
        return running, False
    run_id = run.pk
    # The registered task (not a signature by name), so that eager mode runs it in-process.
    transaction.on_commit(lambda: current_app.tasks[RECOMPUTE_TASK].apply_async(args=(run_id,)))
    return run, True


def recompute_run_execute(*, run_id: int, batch_size: int = RECOMPUTE_BATCH_SIZE) -> RecomputeRun | None:
    """Carry out a run, batch after batch, from where it stands (a run picked up again
    after a worker died carries on after its last batch). Each batch claims the run's row
    without waiting, so two deliveries of one run never do a batch twice."""
    claimed = RecomputeRun.objects.filter(pk=run_id, status__in=ACTIVE_STATUSES).update(
        status=RecomputeStatus.RUNNING, started_at=Coalesce(F("started_at"), timezone.now())
    )
    if not claimed:
        return None
    # This process may hold the configuration as it was before the change (the cache
    # of another process is dropped only after a while): read it afresh.
    config_cache_clear()
    while True:
        with transaction.atomic():
            run = (
                RecomputeRun.objects.select_for_update(skip_locked=True)
                .filter(pk=run_id, status=RecomputeStatus.RUNNING)
                .first()
            )
            if run is None:
                return RecomputeRun.objects.filter(pk=run_id).first()
            ids = list(
                governed_open_tickets(scope=run.scope, object_id=run.object_id)
                .filter(pk__gt=run.cursor)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                run.status, run.finished_at = RecomputeStatus.FINISHED, timezone.now()
                run.total = max(run.total, run.done + run.failed)
                run.save(update_fields=["status", "finished_at", "total"])
                return run
            outcome = tickets_sla_recompute(ticket_ids=ids, by=run.requested_by, subject=run.subject)
            run.cursor = ids[-1]
            # Tickets closed since they were picked count as done: nothing to recompute.
            run.done += len(ids) - outcome.failed
            run.failed += outcome.failed
            run.changed += outcome.changed
            run.total = max(run.total, run.done + run.failed)
            run.save(update_fields=["cursor", "done", "failed", "changed", "total"])


def recompute_run_fail(*, run_id: int, error: str) -> None:
    """Mark a run that stopped on an error as failed, with what went wrong."""
    RecomputeRun.objects.filter(pk=run_id, status__in=ACTIVE_STATUSES).update(
        status=RecomputeStatus.FAILED, finished_at=timezone.now(), error=error[:2000]
    )
