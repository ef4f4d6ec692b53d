"""The helpdesk's admin site: Django's own, for every model admin of every app (ours and
the packages' alike), with one more check before each page."""

from functools import wraps

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext


def holds_nul(query: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())


class HelpdeskAdminSite(AdminSite):
    """Django's admin site, except that a page asked with a NUL character in its query
    string (a filter or a search no entry can match, which PostgreSQL refuses to compare)
    is shown again without its query, saying why, instead of failing."""

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def checked(request, *args, **kwargs):
            if holds_nul(request.GET):
                messages.error(
                    request, gettext("A filter or search held a character no entry can contain (NUL); it was removed.")
                )
                return redirect(request.path)
            return inner(request, *args, **kwargs)

        return checked


class HelpdeskAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.HelpdeskAdminSite"
