from functools import cache

from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection


class ModelBackend(backends.ModelBackend):
    """Django's model backend, reading a person's permissions (their own and their
    groups') in one statement instead of two queries. Every API request of support staff
    asks which levels they work, and the two queries were a fifth of the CPU time of a
    ticket list request (bench/api.py)."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache") and not user_obj.is_superuser:
            with connection.cursor() as cursor:
                cursor.execute(_permissions_sql(connection.vendor), [user_obj.pk, user_obj.pk])
                user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in cursor.fetchall()}
        return super().get_all_permissions(user_obj, obj)


@cache
def _permissions_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    own = get_user_model()._meta.get_field("user_permissions")
    groups = get_user_model()._meta.get_field("groups")
    granted = Group._meta.get_field("permissions")
    permission, content_type = quote(Permission._meta.db_table), quote(ContentType._meta.db_table)
    return (
        f"SELECT {content_type}.{quote('app_label')}, {permission}.{quote('codename')}"  # noqa: S608 (model tables)
        f" FROM {permission} INNER JOIN {content_type}"
        f" ON {content_type}.{quote('id')} = {permission}.{quote('content_type_id')}"
        f" WHERE {permission}.{quote('id')} IN ("
        f"SELECT {quote(own.m2m_reverse_name())} FROM {quote(own.m2m_db_table())}"
        f" WHERE {quote(own.m2m_column_name())} = %s"
        f" UNION SELECT g.{quote(granted.m2m_reverse_name())} FROM {quote(granted.m2m_db_table())} g"
        f" INNER JOIN {quote(groups.m2m_db_table())} m ON m.{quote(groups.m2m_reverse_name())} = g.{quote(granted.m2m_column_name())}"
        f" WHERE m.{quote(groups.m2m_column_name())} = %s)"
    )
