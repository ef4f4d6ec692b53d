from django.urls import path

from . import levels, views

urlpatterns = [
    path("me/", views.Me.as_view(), name="api-me"),
    path("levels/", levels.LevelList.as_view(), name="api-levels"),
]
