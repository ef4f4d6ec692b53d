from django.urls import path

from . import views

urlpatterns = [
    path("tickets/", views.TicketList.as_view(), name="api-tickets"),
    path("tickets/<str:reference>/", views.TicketDetail.as_view(), name="api-ticket"),
    path("tickets/<str:reference>/take/", views.TicketTake.as_view(), name="api-ticket-take"),
    path("tickets/<str:reference>/assign/", views.TicketAssign.as_view(), name="api-ticket-assign"),
    path("tickets/<str:reference>/escalate/", views.TicketEscalate.as_view(), name="api-ticket-escalate"),
    path("tickets/<str:reference>/de-escalate/", views.TicketDeescalate.as_view(), name="api-ticket-deescalate"),
    path("tickets/<str:reference>/resolve/", views.TicketResolve.as_view(), name="api-ticket-resolve"),
    path("tickets/<str:reference>/reopen/", views.TicketReopen.as_view(), name="api-ticket-reopen"),
    path("tickets/<str:reference>/close/", views.TicketClose.as_view(), name="api-ticket-close"),
    path("tickets/<str:reference>/status/", views.TicketStatus.as_view(), name="api-ticket-status"),
    path("tickets/<str:reference>/priority/", views.TicketPriority.as_view(), name="api-ticket-priority"),
    path("tickets/<str:reference>/comments/", views.TicketComments.as_view(), name="api-ticket-comments"),
    path("tickets/<str:reference>/attachments/", views.TicketAttachments.as_view(), name="api-ticket-attachments"),
    path("tickets/<str:reference>/events/", views.TicketEvents.as_view(), name="api-ticket-events"),
    path("tickets/<str:reference>/sla/", views.TicketSla.as_view(), name="api-ticket-sla"),
    path("tickets/<str:reference>/checklist/", views.TicketChecklist.as_view(), name="api-ticket-checklist"),
    path(
        "tickets/<str:reference>/checklist/<int:item>/",
        views.TicketChecklistItemChange.as_view(),
        name="api-ticket-checklist-item",
    ),
    path("tickets/<str:reference>/time/", views.TicketTime.as_view(), name="api-ticket-time"),
    path("tickets/<str:reference>/time/timer/", views.TicketTimer.as_view(), name="api-ticket-timer"),
    path("tickets/<str:reference>/time/<int:entry>/", views.TicketTimeEntry.as_view(), name="api-ticket-time-entry"),
    path("tickets/<str:reference>/snooze/", views.TicketSnooze.as_view(), name="api-ticket-snooze"),
    path("tickets/<str:reference>/reminders/", views.TicketReminders.as_view(), name="api-ticket-reminders"),
    path(
        "tickets/<str:reference>/reminders/<int:reminder>/",
        views.TicketReminderCancel.as_view(),
        name="api-ticket-reminder",
    ),
    path("attachments/<int:pk>/", views.AttachmentDownload.as_view(), name="api-attachment"),
    path("categories/", views.CategoryList.as_view(), name="api-categories"),
]
