from django.urls import path

from . import views

app_name = "maintenance"
urlpatterns = [
    path("maintenance/", views.plan_index, name="list"),
    path("maintenance/new/", views.plan_create, name="create"),
    path("maintenance/preview/", views.preview, name="preview"),
    path("maintenance/overdue/", views.overdue, name="overdue"),
    path("maintenance/<int:pk>/", views.plan_detail, name="detail"),
    path("maintenance/<int:pk>/edit/", views.plan_edit, name="edit"),
    path("maintenance/<int:pk>/active/", views.plan_active, name="active"),
]
