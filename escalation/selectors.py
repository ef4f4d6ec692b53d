from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from .choices import Level


def agent_levels(user) -> list[int]:
    """The levels a user may work, memoised on the user object for the request.

    Supervisors and administrators work every level; agents the levels they are members
    of; everyone else none.
    """
    cached = getattr(user, "_helpdesk_levels", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        levels: list[int] = []
    elif user.has_perm("tickets.supervise_ticket"):
        levels = list(Level.values)
    elif user.has_perm("tickets.work_ticket"):
        levels = sorted(user.support_levels.values_list("number", flat=True))
    else:
        levels = []
    user._helpdesk_levels = levels
    return levels


def agent_can_act_at(user, level: int) -> bool:
    """An agent may act on tickets at their highest level and below, never above."""
    levels = agent_levels(user)
    return bool(levels) and level <= max(levels)


def level_agents(*, level: int) -> QuerySet:
    """Active people who work the given level (its members), for routing notices."""
    return get_user_model().objects.filter(is_active=True, support_levels__number=level).distinct()


def assignable_agents(*, level: int) -> QuerySet:
    """Agents who may own a ticket at this level: members of this level or a higher one."""
    return (
        get_user_model()
        .objects.filter(is_active=True, support_levels__number__gte=level)
        .distinct()
        .order_by("first_name", "username")
    )
