from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.reports, name="index"),
    path("reports/live/", views.live, name="live"),
    path("reports/monthly/", views.monthly, name="monthly"),
    path("reports/maintenance/", views.maintenance, name="maintenance"),
    path("reports/vendors/", views.vendors, name="vendors"),
    path("reports/export/<slug:name>.csv", views.export, name="export"),
]
