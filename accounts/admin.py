from auditlog.admin import LogEntryAdmin as AuditLogEntryAdmin
from auditlog.filters import CIDFilter
from auditlog.filters import ResourceTypeFilter as AuditResourceTypeFilter
from auditlog.models import LogEntry
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import SupportLevel, User
from .services import two_factor_disable


class ResourceTypeFilter(AuditResourceTypeFilter):
    """django-auditlog's filter of the audit log by model, refusing a value that is no
    content type's id as the admin refuses any filter value its field cannot take (it
    shows the list unfiltered), instead of failing the page."""

    def queryset(self, request, queryset):
        value = self.value()
        if value is not None and not (value.isascii() and value.isdigit()):
            raise IncorrectLookupParameters(value)
        return super().queryset(request, queryset)


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class LogEntryAdmin(AuditLogEntryAdmin):
    list_filter = ["action", ResourceTypeFilter, CIDFilter]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Helpdesk"), {"fields": ("phone", "language", "time_zone", "oidc_subject")}),
        (
            _("Organisation's directory"),
            {
                "fields": ("directory_dn", "directory_checked_at", "directory_disabled_at"),
                "description": _(
                    "Set for people who sign in with the organisation's directory: it checks their "
                    "password and gives their details, role and levels at every sign-in."
                ),
            },
        ),
    )
    readonly_fields = ("directory_dn", "directory_checked_at", "directory_disabled_at")
    list_display = ("username", "email", "first_name", "last_name", "phone", "is_staff", "is_active")
    actions = ["two_factor_reset"]

    @admin.action(description=_("Reset two-factor sign-in (a lost phone)"), permissions=["change"])
    def two_factor_reset(self, request, queryset):
        """Delete the people's authenticator apps and backup codes (each deletion is in the
        audit log); those whose role needs them set up a new app at their next sign-in."""
        count = sum(two_factor_disable(user=user) for user in queryset)
        self.message_user(
            request,
            ngettext(
                "Two-factor sign-in was reset for %(count)d person.",
                "Two-factor sign-in was reset for %(count)d people.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(SupportLevel)
class SupportLevelAdmin(admin.ModelAdmin):
    list_display = ("number", "name")
    filter_horizontal = ("members",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
