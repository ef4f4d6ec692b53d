from django.urls import path

from . import views

app_name = "satisfaction"
urlpatterns = [
    path("rate/<str:token>/<int:score>/", views.rate, name="rate"),
    path("tickets/<str:reference>/rating/", views.ticket_rate, name="ticket-rate"),
]
