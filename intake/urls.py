from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("inbound/email/<str:provider>/inbound/", views.inbound_email, name="inbound-email"),
    path("inbound/sms/", views.inbound_sms, name="inbound-sms"),
    path("inbound/sms/twilio/", views.inbound_sms_twilio, name="inbound-sms-twilio"),
    path("log/", views.log_contact, name="log"),
    path("log/callers/", views.caller_lookup, name="caller-lookup"),
    path("log/callers/<int:pk>/tickets/", views.caller_tickets, name="caller-tickets"),
]
