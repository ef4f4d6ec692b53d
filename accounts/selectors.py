from .choices import Role
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
