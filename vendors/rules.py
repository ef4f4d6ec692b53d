"""Who may do what with vendors: a small set of answers the pages, the API and the
services share."""

from accounts.choices import Level, Role
from accounts.selectors import agent_levels, user_role


def can_read_vendors(user) -> bool:
    """Support staff read vendor records; requesters never see them."""
    return bool(agent_levels(user))


def can_manage_vendors(user) -> bool:
    """Supervisors and administrators add and edit vendors, contacts and contracts."""
    return user_role(user) in (Role.SUPERVISOR, Role.ADMIN)


def can_escalate_to_vendor(user) -> bool:
    """Level III staff, and supervisors and administrators (who work every level), take
    a ticket to a vendor and follow the escalation up."""
    return Level.III in agent_levels(user)
