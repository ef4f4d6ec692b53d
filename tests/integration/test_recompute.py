"""A recompute of due times on a real Celery worker: asked for through the page's service
after a policy change, picked up by the worker from Redis, and finished, every governed
open ticket's due times equal to what a fresh computation gives."""

import pytest

from configuration.choices import RecomputeStatus
from configuration.models import RecomputeRun
from configuration.services import recompute_request
from sla.models import SlaPolicy
from sla.selectors import config_cache_clear
from sla.services import sla_policy_save
from tests.factories import make_requester, make_supervisor
from tickets.choices import Urgency
from tickets.models import SLA_COLUMNS, Ticket, TicketEvent
from tickets.services import ticket_create
from tickets.services.sla import sla_columns, ticket_sla_schedule

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_recompute_run_on_a_worker_reaches_finished(celery_worker_process):
    requester = make_requester()
    tickets = [
        ticket_create(requester=requester, subject=f"Printer {n}", description="Jams.", urgency=Urgency.LOW)
        for n in range(3)
    ]
    policy = SlaPolicy.objects.get(priority=tickets[0].priority, category__isnull=True)
    before = {ticket.pk: ticket.first_response_due_at for ticket in tickets}
    sla_policy_save(
        policy_id=policy.pk,
        calendar_id=policy.calendar_id,
        first_response_minutes=policy.first_response_minutes + 90,
        resolution_minutes=policy.resolution_minutes,
        first_warning_percent=policy.first_warning_percent,
        second_warning_percent=policy.second_warning_percent,
    )
    run, started = recompute_request(by=make_supervisor(), policy_id=policy.pk)
    assert started

    finished = celery_worker_process.wait_for(
        lambda: RecomputeRun.objects.filter(pk=run.pk, status=RecomputeStatus.FINISHED).first(),
        timeout=60,
        what="the recompute to finish on the worker",
    )
    assert (finished.total, finished.done, finished.changed, finished.failed) == (3, 3, 3, 0)
    assert finished.started_at is not None and finished.finished_at >= finished.started_at
    config_cache_clear()
    for ticket in Ticket.objects.filter(pk__in=before):
        changes = list(TicketEvent.objects.filter(ticket=ticket, field="status").values_list("created_at", "to_value"))
        fresh = sla_columns(ticket_sla_schedule(ticket, status_changes=changes))
        assert {name: getattr(ticket, name) for name in SLA_COLUMNS} == fresh
        assert ticket.first_response_due_at != before[ticket.pk]
