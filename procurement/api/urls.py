from django.urls import path

from . import views

R = "procurement-requests/<str:reference>/"
urlpatterns = [
    path("component-reports/", views.ComponentReportList.as_view(), name="api-component-reports"),
    path("component-reports/<int:id>/", views.ComponentReportDetail.as_view(), name="api-component-report"),
    path(
        "component-reports/<int:id>/decide/", views.ComponentReportDecide.as_view(), name="api-component-report-decide"
    ),
    path("procurement-requests/", views.ProcurementList.as_view(), name="api-procurement-requests"),
    path(R, views.ProcurementDetail.as_view(), name="api-procurement-request"),
    *[
        path(R + f"{step}/", getattr(views, f"Procurement{step.title()}").as_view(), name=f"api-procurement-{step}")
        for step in ("submit", "approve", "reject", "order", "receive", "cancel")
    ],
]
