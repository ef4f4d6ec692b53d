"""Due times of many open tickets recomputed at once, after the configuration they count
in (an SLA policy, a calendar, its holidays) changed: a few set-based queries per batch,
whatever its size, and one computation per distinct set of facts."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from sla.models import SlaEvent, SlaPolicy
from sla.schedule import ClockFacts, Schedule, sla_schedule
from sla.selectors import business_calendar, sla_policies_by_scope, sla_policy_in
from sla.services import sla_clocks_set

from ..choices import OPEN_STATUSES, EventKind
from ..models import SLA_COLUMNS, Ticket, TicketEvent
from .sla import RUNNING, sla_columns

# What a ticket's due times are computed from, read in the batch's first query.
FACT_COLUMNS = ["id", "created_at", "status", "priority", "category_id", "first_response_at", *SLA_COLUMNS]


def tickets_governed_open(*, policies: Iterable[SlaPolicy]) -> QuerySet[Ticket]:
    """Open tickets whose due times count under one of ``policies`` now: a category's own
    policy governs that category's tickets of its priority; a default one, the tickets of
    its priority in categories without their own policy (and those without a category)."""
    governed = Q(pk__in=[])
    for policy in policies:
        if policy.category_id is not None:
            governed |= Q(priority=policy.priority, category_id=policy.category_id)
        else:
            own = SlaPolicy.objects.filter(priority=policy.priority, category__isnull=False).values("category_id")
            governed |= Q(priority=policy.priority) & ~Q(category_id__in=own)
    return Ticket.objects.filter(governed, status__in=OPEN_STATUSES)


@dataclass(frozen=True)
class RecomputeOutcome:
    """What one batch did: tickets looked at, whose due times moved, that could not be
    computed."""

    looked_at: int
    changed: int
    failed: int


def tickets_sla_recompute(*, ticket_ids: list[int], by=None, subject: str = "") -> RecomputeOutcome:
    """Recompute and store the SLA columns and clocks of these tickets (the open ones)
    from their history under the configuration as it is now. The tickets are locked for
    the batch, so a change made to one meanwhile waits and then recomputes it again.
    Each ticket whose due times moved gets an audit event, by ``by`` (who asked for the
    recompute), naming ``subject`` (what changed) and its next due time before and after;
    all of them in one INSERT."""
    with transaction.atomic():
        tickets = list(
            Ticket.objects.select_for_update(of=("self",))
            .filter(pk__in=ticket_ids, status__in=OPEN_STATUSES)
            .order_by("pk")
            .only(*FACT_COLUMNS)
        )
        ids = [ticket.pk for ticket in tickets]
        status_changes: dict[int, list[tuple[datetime, bool]]] = defaultdict(list)
        for ticket_id, at, status in (
            TicketEvent.objects.filter(ticket_id__in=ids, field="status")
            .order_by("created_at", "id")
            .values_list("ticket_id", "created_at", "to_value")
        ):
            status_changes[ticket_id].append((at, status in RUNNING))
        recorded: dict[int, set[tuple[str, str]]] = defaultdict(set)
        for ticket_id, metric, threshold in SlaEvent.objects.filter(ticket_id__in=ids).values_list(
            "ticket_id", "metric", "threshold"
        ):
            recorded[ticket_id].add((metric, threshold))
        policies = sla_policies_by_scope()
        # Tickets filed at the same instant with the same history under the same policy
        # share one computation (bulk imports, and tickets never paused, often do).
        computed: dict[tuple, Schedule] = {}
        changed: list[Ticket] = []
        events: list[TicketEvent] = []
        now = timezone.now()
        next_checks: list[tuple[int, datetime | None]] = []
        failed = 0
        for ticket in tickets:
            policy = sla_policy_in(policies, priority=ticket.priority, category_id=ticket.category_id)
            facts = ClockFacts(
                started_at=ticket.created_at,
                changes=tuple(status_changes.get(ticket.pk, ())),
                is_open=True,
                first_response_at=ticket.first_response_at,
            )
            done = frozenset(recorded.get(ticket.pk, ()))
            key = (policy.pk if policy else None, facts, done)
            if key not in computed:
                try:
                    calendar = business_calendar(policy.calendar, around=ticket.created_at) if policy else None
                    computed[key] = sla_schedule(facts=facts, targets=policy, calendar=calendar, recorded=done)
                except ValueError:
                    failed += 1
                    continue
            schedule = computed[key]
            columns = sla_columns(schedule)
            if any(getattr(ticket, name) != value for name, value in columns.items()):
                due_before = ticket.sla_due_at
                for name, value in columns.items():
                    setattr(ticket, name, value)
                changed.append(ticket)
                next_checks.append((ticket.pk, schedule.next_check_at))
                events.append(
                    TicketEvent(
                        ticket_id=ticket.pk,
                        actor=by,
                        kind=EventKind.DUE_RECOMPUTED,
                        field="sla_due_at",
                        from_value=due_before.isoformat() if due_before else "",
                        to_value=ticket.sla_due_at.isoformat() if ticket.sla_due_at else "",
                        reason=subject[:255],
                        created_at=now,
                    )
                )
        if changed:
            Ticket.objects.bulk_update(changed, SLA_COLUMNS, batch_size=len(changed))
            sla_clocks_set(next_checks=next_checks)
            TicketEvent.objects.bulk_create(events, batch_size=len(events))
    return RecomputeOutcome(looked_at=len(tickets), changed=len(changed), failed=failed)
