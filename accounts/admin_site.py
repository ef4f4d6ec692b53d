"""The helpdesk's admin site: Django's own, for every model admin of every app (ours and
the packages' alike; accounts.admin registers models on it, so it must exist first), with
two more checks before each page."""

from functools import wraps

from django.contrib import admin, messages
from django.http import QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext

from .selectors import two_factor_step


def holds_nul(query: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())


class HelpdeskAdminSite(admin.AdminSite):
    """Django's admin site, for staff whose session has given its second factor where they
    have or need one (as django-otp's OTPAdminSite asks: TwoFactorMiddleware already sends
    them to the code or the set-up first; this holds even where it does not run). A page
    asked with a NUL character in its query string (a filter or a search no entry can
    match, which PostgreSQL refuses to compare) is shown again without its query, saying
    why, instead of failing."""

    def has_permission(self, request) -> bool:
        return (
            super().has_permission(request) and two_factor_step(request.user, getattr(request, "session", None)) is None
        )

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
