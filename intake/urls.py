from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("inbound/email/<str:provider>/inbound/", views.inbound_email, name="inbound-email"),
]
