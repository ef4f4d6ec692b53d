"""Writes of the SLA app: when the sweep must next look at a ticket, and the policies and
holidays supervisors change."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .exceptions import SlaConfigurationError
from .models import Holiday, SlaClock, SlaPolicy


def sla_clock_start(*, ticket_id: int, next_check_at: datetime | None) -> SlaClock:
    """The clock row of a ticket just filed (one INSERT)."""
    return SlaClock.objects.create(ticket_id=ticket_id, next_check_at=next_check_at)


def sla_clock_set(*, ticket_id: int, next_check_at: datetime | None) -> None:
    """Point the ticket's clock at its next threshold (None: nothing ahead)."""
    SlaClock.objects.update_or_create(ticket_id=ticket_id, defaults={"next_check_at": next_check_at})


def sla_clocks_start(*, next_checks: list[tuple[int, datetime | None]]) -> None:
    """The clock rows of many tickets just filed ((ticket id, next check) pairs), a few
    bulk INSERTs."""
    SlaClock.objects.bulk_create(
        [SlaClock(ticket_id=ticket_id, next_check_at=next_check_at) for ticket_id, next_check_at in next_checks],
        batch_size=1000,
    )


def sla_clocks_set(*, next_checks: list[tuple[int, datetime | None]]) -> None:
    """Point many tickets' clocks at their next thresholds ((ticket id, next check)
    pairs) in one INSERT … ON CONFLICT UPDATE."""
    SlaClock.objects.bulk_create(
        [SlaClock(ticket_id=ticket_id, next_check_at=next_check_at) for ticket_id, next_check_at in next_checks],
        update_conflicts=True,
        unique_fields=["ticket"],
        update_fields=["next_check_at"],
        batch_size=1000,
    )


@transaction.atomic
def sla_policy_save(
    *,
    calendar_id: int,
    first_response_minutes: int,
    resolution_minutes: int,
    first_warning_percent: int,
    second_warning_percent: int,
    priority: int = 0,
    category_id: int | None = None,
    policy_id: int | None = None,
) -> SlaPolicy:
    """Create a policy for a priority (and optionally a category), or, with ``policy_id``,
    change its targets and calendar (which priority and category it is for stays). The
    targets are checked as the model checks them; one default per priority, one policy
    per priority and category."""
    if policy_id is None:
        policy = SlaPolicy(priority=priority, category_id=category_id)
    else:
        found = SlaPolicy.objects.select_for_update().filter(pk=policy_id).order_by().first()
        if found is None:
            raise SlaConfigurationError(_("That SLA policy does not exist."))
        policy = found
    policy.calendar_id = calendar_id
    policy.first_response_minutes, policy.resolution_minutes = first_response_minutes, resolution_minutes
    policy.first_warning_percent, policy.second_warning_percent = first_warning_percent, second_warning_percent
    try:
        policy.full_clean()
    except ValidationError as error:
        raise SlaConfigurationError(" ".join(error.messages)) from None
    policy.save()
    return policy


@transaction.atomic
def sla_policy_delete(*, policy_id: int) -> SlaPolicy:
    """Delete a category's own policy (its tickets then count under the priority's
    default); a priority's default policy stays, so every ticket has one."""
    policy = SlaPolicy.objects.select_for_update().filter(pk=policy_id).order_by().first()
    if policy is None:
        raise SlaConfigurationError(_("That SLA policy does not exist."))
    if policy.category_id is None:
        raise SlaConfigurationError(
            _("The default policy of a priority cannot be deleted; change its targets instead.")
        )
    policy.delete()
    return policy


@transaction.atomic
def holiday_add(*, calendar_id: int, date: date, name: str) -> Holiday:
    """A day off added to a calendar (once per date)."""
    holiday = Holiday(calendar_id=calendar_id, date=date, name=name.strip())
    try:
        holiday.full_clean()
    except ValidationError as error:
        raise SlaConfigurationError(" ".join(error.messages)) from None
    holiday.save()
    return holiday


@transaction.atomic
def holiday_delete(*, holiday_id: int) -> Holiday:
    """Take a day off back out of its calendar."""
    holiday = Holiday.objects.select_for_update().filter(pk=holiday_id).first()
    if holiday is None:
        raise SlaConfigurationError(_("That holiday does not exist."))
    holiday.delete()
    return holiday
