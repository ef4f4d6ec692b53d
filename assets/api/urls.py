from django.urls import path

from . import views

urlpatterns = [
    path("assets/", views.AssetList.as_view(), name="api-assets"),
    path("assets/<str:tag>/", views.AssetDetail.as_view(), name="api-asset"),
    path("assets/<str:tag>/tickets/", views.AssetTickets.as_view(), name="api-asset-tickets"),
    path("tickets/<str:reference>/assets/", views.TicketAssets.as_view(), name="api-ticket-assets"),
    path("tickets/<str:reference>/assets/<str:tag>/", views.TicketAssetRemove.as_view(), name="api-ticket-asset"),
]
