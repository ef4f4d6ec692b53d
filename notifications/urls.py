from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.delivery_log, name="delivery-log"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("notifications/<int:pk>/retry/", views.delivery_retry, name="delivery-retry"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
