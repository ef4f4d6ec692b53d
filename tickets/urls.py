from django.urls import path, register_converter

from . import views


class ReferenceConverter:
    regex = r"[Hh][Dd]-\d{6,}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "ref")

app_name = "tickets"
urlpatterns = [
    path("tickets/", views.my_tickets, name="mine"),
    path("tickets/new/", views.ticket_new, name="new"),
    path("tickets/bulk/", views.bulk, name="bulk"),
    path("tickets/all/", views.ticket_list_page, name="list"),
    path("tickets/all/views/", views.saved_view_create, name="view-save"),
    path("tickets/all/views/<int:pk>/", views.saved_view_edit, name="view-edit"),
    path("tickets/all/views/<int:pk>/delete/", views.saved_view_delete, name="view-delete"),
    path("tickets/<ref:reference>/", views.ticket_detail, name="detail"),
    path("tickets/<ref:reference>/comment/", views.ticket_comment, name="comment"),
    path("tickets/<ref:reference>/take/", views.ticket_take, name="take"),
    path("tickets/<ref:reference>/assign/", views.ticket_assign, name="assign"),
    path("tickets/<ref:reference>/status/", views.ticket_status, name="status"),
    path("tickets/<ref:reference>/escalate/", views.ticket_escalate, name="escalate"),
    path("tickets/<ref:reference>/deescalate/", views.ticket_deescalate, name="deescalate"),
    path("tickets/<ref:reference>/resolve/", views.ticket_resolve, name="resolve"),
    path("tickets/<ref:reference>/parent/", views.ticket_parent, name="parent"),
    path("tickets/<ref:reference>/parent/clear/", views.ticket_parent_clear, name="parent-clear"),
    path("tickets/<ref:reference>/reclassify/", views.ticket_reclassify, name="reclassify"),
    path("tickets/<ref:reference>/edit/", views.ticket_edit, name="edit"),
    path("tickets/<ref:reference>/confirm/", views.ticket_confirm, name="confirm"),
    path("tickets/<ref:reference>/reopen/", views.ticket_reopen, name="reopen"),
    path("tickets/<ref:reference>/checklist/", views.ticket_checklist_panel, name="checklist"),
    path("tickets/<ref:reference>/checklist/<int:item>/", views.ticket_checklist_item, name="checklist-item"),
    path("tickets/<ref:reference>/timer/", views.ticket_timer, name="timer"),
    path("tickets/<ref:reference>/time/<int:entry>/delete/", views.ticket_time_delete, name="time-delete"),
    path("tickets/<ref:reference>/watchers/", views.ticket_watcher_add, name="watcher-add"),
    path("tickets/<ref:reference>/follow/", views.ticket_follow, name="follow"),
    path("tickets/<ref:reference>/watchers/<int:user>/remove/", views.ticket_watcher_remove, name="watcher-remove"),
    path("tickets/<ref:reference>/links/", views.ticket_link_add, name="link-add"),
    path("tickets/<ref:reference>/links/<int:link>/remove/", views.ticket_link_remove, name="link-remove"),
    path("tickets/<ref:reference>/merge/", views.ticket_merge, name="merge"),
    path("tickets/<ref:reference>/snooze/", views.ticket_snooze, name="snooze"),
    path("tickets/<ref:reference>/unsnooze/", views.ticket_unsnooze, name="unsnooze"),
    path("tickets/<ref:reference>/remind/", views.ticket_remind, name="remind"),
    path(
        "tickets/<ref:reference>/reminders/<int:reminder>/cancel/",
        views.ticket_reminder_cancel,
        name="reminder-cancel",
    ),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("queue/", views.queue, name="queue"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/sla/", views.dashboard_sla, name="dashboard-sla"),
]
