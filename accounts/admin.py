from auditlog.admin import LogEntryAdmin as AuditLogEntryAdmin
from auditlog.filters import CIDFilter
from auditlog.filters import ResourceTypeFilter as AuditResourceTypeFilter
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import SupportLevel, User


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
        (_("Helpdesk"), {"fields": ("phone", "language", "time_zone")}),
    )
    list_display = ("username", "email", "first_name", "last_name", "phone", "is_staff", "is_active")


@admin.register(SupportLevel)
class SupportLevelAdmin(admin.ModelAdmin):
    list_display = ("number", "name")
    filter_horizontal = ("members",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
