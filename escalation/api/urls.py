from django.urls import path

from . import views

urlpatterns = [path("levels/", views.LevelList.as_view(), name="api-levels")]
