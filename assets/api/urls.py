from django.urls import path

from . import views

urlpatterns = [
    path("assets/", views.AssetList.as_view(), name="api-assets"),
    path("asset-imports/", views.AssetImportList.as_view(), name="api-asset-imports"),
    path("asset-imports/<int:import_id>/", views.AssetImportDetail.as_view(), name="api-asset-import"),
    path("asset-imports/<int:import_id>/rows/", views.AssetImportRows.as_view(), name="api-asset-import-rows"),
    path("asset-imports/<int:import_id>/confirm/", views.AssetImportConfirm.as_view(), name="api-asset-import-confirm"),
    path("assets/<str:tag>/", views.AssetDetail.as_view(), name="api-asset"),
    path("assets/<str:tag>/tickets/", views.AssetTickets.as_view(), name="api-asset-tickets"),
    path("tickets/<str:reference>/assets/", views.TicketAssets.as_view(), name="api-ticket-assets"),
    path("tickets/<str:reference>/assets/<str:tag>/", views.TicketAssetRemove.as_view(), name="api-ticket-asset"),
]
