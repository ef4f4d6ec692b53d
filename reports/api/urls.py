from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.ReportFigures.as_view(), name="api-reports"),
]
