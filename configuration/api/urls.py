from django.urls import path

from . import views

urlpatterns = [
    path("sla/recomputes/", views.RecomputeStart.as_view(), name="api-sla-recompute-start"),
    path("sla/recomputes/<int:run_id>/", views.RecomputeDetail.as_view(), name="api-sla-recompute"),
]
