from django.urls import path

from tickets.urls import ReferenceConverter  # noqa: F401 - registers the ``ref`` converter

from . import views

app_name = "vendors"

urlpatterns = [
    path("vendors/", views.vendor_index, name="list"),
    path("vendors/new/", views.vendor_create, name="create"),
    path("vendors/<int:pk>/", views.vendor_detail, name="detail"),
    path("vendors/<int:pk>/edit/", views.vendor_edit, name="edit"),
    path("vendors/<int:pk>/contacts/", views.vendor_contact, name="contact"),
    path("vendors/<int:pk>/contacts/<int:contact_pk>/delete/", views.vendor_contact_delete, name="contact-delete"),
    path("vendors/<int:pk>/contracts/", views.vendor_contract, name="contract"),
    path("tickets/<ref:reference>/vendor/", views.ticket_vendor, name="ticket"),
    path("vendor-escalations/<int:pk>/response/", views.escalation_response, name="escalation-response"),
    path("vendor-escalations/<int:pk>/reference/", views.escalation_reference, name="escalation-reference"),
    path("vendor-escalations/<int:pk>/resolution/", views.escalation_resolution, name="escalation-resolution"),
    path("vendor-escalations/<int:pk>/close/", views.escalation_close, name="escalation-close"),
]
