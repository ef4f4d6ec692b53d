"""Who may take which step of a procurement request: the one place services (which
enforce it) and pages (which offer only the steps a person may take) read it from."""

from accounts.choices import Role
from accounts.selectors import agent_levels, user_role

from .choices import TRANSITIONS, ProcurementStatus


def is_approver(user) -> bool:
    """Supervisors and administrators approve; agents and requesters never do."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active) and user_role(user) in (
        Role.SUPERVISOR,
        Role.ADMIN,
    )


def is_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(agent_levels(user))


def procurement_steps_for(request, user) -> set[str]:
    """The steps ``user`` may take on ``request`` now: submit, approve, reject, order,
    receive, cancel."""
    if not is_staff(user):
        return set()
    moves = TRANSITIONS[request.status]
    own = request.requested_by_id == user.pk
    approver = is_approver(user)
    steps = set()
    if approver and not own and request.status in (ProcurementStatus.SUBMITTED, ProcurementStatus.FIRST_APPROVED):
        if not (request.status == ProcurementStatus.FIRST_APPROVED and request.first_approved_by_id == user.pk):
            steps.add("approve")
        steps.add("reject")
    if own or approver:
        for step, status in (
            ("submit", ProcurementStatus.SUBMITTED),
            ("order", ProcurementStatus.ORDERED),
            ("receive", ProcurementStatus.RECEIVED),
            ("cancel", ProcurementStatus.CANCELLED),
        ):
            if status in moves:
                steps.add(step)
    return steps


def may_try(request, user, step: str) -> bool:
    """Whether ``user`` is someone who may take ``step`` on ``request`` at all, whatever
    its status: approving and rejecting for approvers other than the requester, the other
    steps for the requester and approvers. (Whether the status allows it is the service's
    answer.)"""
    if not is_staff(user):
        return False
    if step in ("approve", "reject"):
        return is_approver(user) and request.requested_by_id != user.pk
    return is_approver(user) or request.requested_by_id == user.pk
