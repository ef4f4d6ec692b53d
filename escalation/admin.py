from django.contrib import admin

from .models import Notification, SupportLevel


@admin.register(SupportLevel)
class SupportLevelAdmin(admin.ModelAdmin):
    list_display = ("number", "name")
    filter_horizontal = ("members",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "channel", "address", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "kind")
    search_fields = ("address", "subject")
    raw_id_fields = ("ticket", "recipient")
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False
