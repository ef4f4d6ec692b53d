from django.contrib import admin

from .models import Attachment, Category, Comment, Ticket, TicketEvent, TimeEntry


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "default_level", "default_impact", "is_active")
    list_filter = ("default_level", "is_active")
    search_fields = ("name",)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CommentInline(ReadOnlyInline):
    model = Comment
    fields = ("created_at", "author", "is_internal", "body")
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ("created_at", "actor", "kind", "field", "from_value", "to_value", "reason")
    readonly_fields = fields


class TimeEntryInline(ReadOnlyInline):
    model = TimeEntry
    fields = ("ended_at", "agent", "minutes", "started_at", "comment")
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only: ticket changes go through the helpdesk pages so they are audited."""

    list_display = ("id", "subject", "status", "level", "priority", "assignee", "created_at")
    list_filter = ("status", "level", "priority", "channel")
    search_fields = ("subject",)
    list_select_related = ("assignee",)
    raw_id_fields = ("requester", "assignee")
    inlines = [CommentInline, EventInline, TimeEntryInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("original_name", "ticket", "size", "content_type", "created_at")
    raw_id_fields = ("ticket", "comment", "uploaded_by")

    # Files come in through a ticket, its comments or the API, where names are cleaned,
    # types read from the content and the limits applied; never past them from here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
