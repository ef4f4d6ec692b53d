from django.urls import path

from . import views

urlpatterns = [
    path("vendors/", views.VendorList.as_view(), name="api-vendors"),
    path("vendors/<int:vendor_id>/", views.VendorDetail.as_view(), name="api-vendor"),
    path("vendors/<int:vendor_id>/contacts/", views.VendorContacts.as_view(), name="api-vendor-contacts"),
    path("vendors/<int:vendor_id>/contracts/", views.VendorContracts.as_view(), name="api-vendor-contracts"),
    path(
        "vendors/<int:vendor_id>/contacts/<int:contact_id>/",
        views.VendorContactDetail.as_view(),
        name="api-vendor-contact",
    ),
    path(
        "vendors/<int:vendor_id>/contracts/<int:contract_id>/",
        views.VendorContractDetail.as_view(),
        name="api-vendor-contract",
    ),
    path("vendor-escalations/", views.VendorEscalationList.as_view(), name="api-vendor-escalations"),
    path(
        "vendor-escalations/<int:escalation_id>/", views.VendorEscalationDetail.as_view(), name="api-vendor-escalation"
    ),
    *[
        path(
            f"vendor-escalations/<int:escalation_id>/{step}/",
            getattr(views, f"VendorEscalation{step.title()}").as_view(),
            name=f"api-vendor-escalation-{step}",
        )
        for step in ("response", "reference", "resolution", "close")
    ],
]
