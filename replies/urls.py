from django.urls import path

from . import views

app_name = "replies"
urlpatterns = [
    path("replies/", views.manage, name="manage"),
    path("replies/<int:pk>/", views.edit, name="edit"),
    path("replies/<int:pk>/delete/", views.delete, name="delete"),
    path("tickets/<str:reference>/replies/", views.picker, name="picker"),
    path("tickets/<str:reference>/replies/<int:pk>/", views.fill, name="fill"),
]
