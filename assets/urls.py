from django.urls import path

from tickets.urls import ReferenceConverter  # noqa: F401 - registers the ``ref`` converter

from . import views

app_name = "assets"
urlpatterns = [
    path("assets/", views.asset_index, name="list"),
    path("assets/new/", views.asset_create, name="create"),
    path("assets/export/", views.asset_export, name="export"),
    path("assets/import/", views.import_upload, name="import-upload"),
    path("assets/import/<int:pk>/", views.import_detail, name="import"),
    path("assets/import/<int:pk>/progress/", views.import_progress, name="import-progress"),
    path("assets/import/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("assets/tickets/<ref:reference>/", views.ticket_panel, name="ticket-panel"),
    path("assets/tickets/<ref:reference>/add/", views.ticket_add, name="ticket-add"),
    path("assets/tickets/<ref:reference>/remove/", views.ticket_remove, name="ticket-remove"),
    path("assets/<str:tag>/", views.asset_detail, name="detail"),
    path("assets/<str:tag>/edit/", views.asset_edit, name="edit"),
]
