"""Reads of the accounts app: roles, API tokens, and who works (and may act at) which level."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .choices import Level, Role
from .models import ApiToken


def user_role(user) -> str | None:
    """The strongest role the user holds, or None for an anonymous visitor."""
    if not user.is_authenticated:
        return None
    # Only administrators manage accounts (read from the permission cache has_perm fills).
    if user.is_superuser or user.has_perm("accounts.change_user"):
        return Role.ADMIN
    if user.has_perm("tickets.supervise_ticket"):
        return Role.SUPERVISOR
    if user.has_perm("tickets.work_ticket"):
        return Role.AGENT
    return Role.REQUESTER


def api_tokens_for(*, user):
    """The person's API tokens, newest first (revoked ones too, marked)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def api_token_with_user(*, digest: str) -> ApiToken | None:
    """The unrevoked token with this digest, its person attached; None when there is none."""
    return ApiToken.objects.select_related("user").filter(digest=digest, revoked_at__isnull=True).first()


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
    """People who may own a ticket at this level: members of this level or a higher one,
    and supervisors and administrators, who work every level."""
    return (
        get_user_model()
        .objects.filter(
            Q(support_levels__number__gte=level)
            | Q(groups__name__in=[Role.SUPERVISOR, Role.ADMIN])
            | Q(is_superuser=True),
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "username")
    )


def level_supervisors(*, level: int) -> list:
    """Supervisors of a level: those who are members of it, else every supervisor."""
    supervisors = get_user_model().objects.filter(is_active=True, groups__name=Role.SUPERVISOR).distinct()
    own = list(supervisors.filter(support_levels__number=level))
    return own or list(supervisors)
