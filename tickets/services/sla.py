"""A ticket's SLA columns: the ticket's history handed to the SLA arithmetic as facts,
its due times stored on the ticket and its clock."""

from datetime import datetime

from sla.models import SlaPolicy
from sla.schedule import ClockFacts, Schedule, sla_schedule
from sla.selectors import business_calendar, sla_policy_for, sla_thresholds_recorded
from sla.services import sla_clock_set

from ..choices import OPEN_STATUSES, Status
from ..models import THRESHOLD_COLUMNS, Ticket, TicketEvent

# Statuses in which the clock always runs; it stops once the ticket is resolved or closed
# (a reopen starts it again).
RUNNING = {Status.NEW, Status.OPEN}


def clock_running_statuses(policy: SlaPolicy | None) -> frozenset[str]:
    """The statuses in which the clock runs under ``policy``: new and open always, and
    each pending status whose pause the policy turned off (without a policy, every
    pending status pauses, as every policy does until told otherwise)."""
    running = set(RUNNING)
    if policy is not None:
        for status, pauses in (
            (Status.PENDING, policy.pause_on_customer),
            (Status.PENDING_VENDOR, policy.pause_on_vendor),
            (Status.PENDING_THIRD_PARTY, policy.pause_on_third_party),
        ):
            if not pauses:
                running.add(status)
    return frozenset(running)


def ticket_clock_facts(
    ticket: Ticket, status_changes: list[tuple[datetime, str]], running: frozenset[str] = frozenset(RUNNING)
) -> ClockFacts:
    """What the SLA arithmetic needs of a ticket and its status history ((when, new
    status), oldest first); ``running`` are the statuses the clock runs in."""
    return ClockFacts(
        started_at=ticket.created_at,
        changes=[(at, status in running) for at, status in status_changes],
        is_open=ticket.status in OPEN_STATUSES,
        first_response_at=ticket.first_response_at,
    )


def ticket_sla_schedule(ticket: Ticket, *, status_changes: list, recorded=frozenset()) -> Schedule:
    """The schedule of the ticket's clock under the policy that applies to it now."""
    policy = sla_policy_for(priority=ticket.priority, category_id=ticket.category_id)
    calendar = business_calendar(policy.calendar, around=ticket.created_at) if policy else None
    return sla_schedule(
        facts=ticket_clock_facts(ticket, status_changes, clock_running_statuses(policy)),
        targets=policy,
        calendar=calendar,
        recorded=recorded,
    )


def sla_columns(schedule: Schedule) -> dict[str, datetime | None]:
    """The ticket columns a schedule fills."""
    columns = {column: schedule.thresholds[key] for key, column in THRESHOLD_COLUMNS.items()}
    columns["sla_due_at"], columns["sla_warn_at"] = schedule.due_at, schedule.warn_at
    return columns


def _schedule_onto(ticket: Ticket, *, status_changes: list, recorded) -> tuple[dict, datetime | None]:
    schedule = ticket_sla_schedule(ticket, status_changes=status_changes, recorded=recorded)
    columns = sla_columns(schedule)
    for name, value in columns.items():
        setattr(ticket, name, value)
    return columns, schedule.next_check_at


def ticket_sla_start(*, ticket: Ticket) -> datetime | None:
    """The SLA columns of a ticket not yet saved (no history, nothing recorded), set on the
    instance so that one INSERT stores them; returns the clock's next check, for
    ``sla_clock_start`` once the ticket has its id."""
    _columns, next_check_at = _schedule_onto(ticket, status_changes=[], recorded=frozenset())
    return next_check_at


def ticket_sla_refresh(*, ticket: Ticket) -> dict:
    """Recompute and store the ticket's SLA columns from its history (call after any
    change of status, priority, category or first response)."""
    status_changes = list(
        TicketEvent.objects.filter(ticket=ticket, field="status")
        .order_by("created_at", "id")
        .values_list("created_at", "to_value")
    )
    recorded = sla_thresholds_recorded(ticket_id=ticket.pk)
    columns, next_check_at = _schedule_onto(ticket, status_changes=status_changes, recorded=recorded)
    Ticket.objects.filter(pk=ticket.pk).update(**columns)
    sla_clock_set(ticket_id=ticket.pk, next_check_at=next_check_at)
    return {**columns, "next_check_at": next_check_at}
