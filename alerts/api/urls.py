from django.urls import path

from . import views

urlpatterns = [
    path("alerts/alertmanager/", views.AlertmanagerApi.as_view(), name="api-alerts-alertmanager"),
    path("alerts/zabbix/", views.ZabbixApi.as_view(), name="api-alerts-zabbix"),
    path("alerts/generic/", views.GenericAlertsApi.as_view(), name="api-alerts-generic"),
]
