from django.urls import path

from . import views

urlpatterns = [
    path("maintenance-plans/", views.PlanList.as_view(), name="api-maintenance-plans"),
    path("maintenance-plans/<int:plan>/", views.PlanDetail.as_view(), name="api-maintenance-plan"),
    path("maintenance-plans/<int:plan>/runs/", views.PlanRuns.as_view(), name="api-maintenance-runs"),
]
