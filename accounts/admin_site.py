"""The admin site itself (apart from accounts.admin, which registers models on it: the site
must exist before any of them is registered)."""

from django.contrib import admin

from .selectors import two_factor_step


class HelpdeskAdminSite(admin.AdminSite):
    """The admin, for staff whose session has given its second factor where they have or
    need one (as django-otp's OTPAdminSite asks). TwoFactorMiddleware already sends them to
    the code or the set-up first; this holds even where it does not run."""

    def has_permission(self, request) -> bool:
        return (
            super().has_permission(request) and two_factor_step(request.user, getattr(request, "session", None)) is None
        )
