from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import SupportLevel, User


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


@admin.register(SupportLevel)
class SupportLevelAdmin(admin.ModelAdmin):
    list_display = ("number", "name")
    filter_horizontal = ("members",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
