from django.urls import path, register_converter

from tickets.urls import ReferenceConverter  # noqa: F401 - registers the ``ref`` converter

from . import views


class ProcurementReferenceConverter:
    regex = r"[Pp][Rr]-\d{6,}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(ProcurementReferenceConverter, "pr")

app_name = "procurement"

P = "procurement/<pr:reference>/"
urlpatterns = [
    path("procurement/", views.procurement_list_page, name="list"),
    path("procurement/new/", views.procurement_new, name="new"),
    path(P, views.procurement_detail, name="detail"),
    path(P + "print/", views.procurement_print, name="print"),
    path(P + "submit/", views.procurement_submit_view, name="submit"),
    path(P + "approve/", views.procurement_approve_view, name="approve"),
    path(P + "reject/", views.procurement_reject_view, name="reject"),
    path(P + "order/", views.procurement_order_view, name="order"),
    path(P + "receive/", views.procurement_receive_view, name="receive"),
    path(P + "cancel/", views.procurement_cancel_view, name="cancel"),
    path("component-reports/", views.component_report_list, name="reports"),
    path("component-reports/<int:pk>/decide/", views.component_report_decide_view, name="report-decide"),
    path("tickets/<ref:reference>/component-reports/", views.ticket_panel, name="ticket-panel"),
    path("tickets/<ref:reference>/component-reports/new/", views.component_report_new, name="report-file"),
]
