from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection

from helpdesk.rows import model_from_row

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


def api_token_with_user(*, digest: str) -> ApiToken | None:
    """The unrevoked token with this digest, its person attached; None when there is none.

    Every API request asks, so this is one hand-written statement rather than a queryset:
    building and compiling the ORM's query was over half the CPU time of a small API
    request (bench/api.py). The instances are the ORM's own (helpdesk.rows)."""
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(connection.vendor), [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(ApiToken._meta.concrete_fields)
    token = model_from_row(ApiToken, row[:split])
    token.user = model_from_row(get_user_model(), row[split:])
    return token


@cache
def _token_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    user_model = get_user_model()

    def column(model, name: str) -> str:
        return f"{quote(model._meta.db_table)}.{quote(model._meta.get_field(name).column)}"

    columns = ", ".join(
        column(model, field.name) for model in (ApiToken, user_model) for field in model._meta.concrete_fields
    )
    return (
        f"SELECT {columns} FROM {quote(ApiToken._meta.db_table)}"  # noqa: S608 (model tables and columns)
        f" INNER JOIN {quote(user_model._meta.db_table)}"
        f" ON {column(user_model, user_model._meta.pk.name)} = {column(ApiToken, 'user')}"
        f" WHERE {column(ApiToken, 'digest')} = %s AND {column(ApiToken, 'revoked_at')} IS NULL"
    )
