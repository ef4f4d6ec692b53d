from django.urls import path

from . import views

urlpatterns = [
    path("agents/", views.AgentList.as_view(), name="api-agents"),
    path("agents/<int:agent_id>/", views.AgentDetail.as_view(), name="api-agent"),
    path("requesters/", views.RequesterList.as_view(), name="api-requesters"),
    path("requesters/<int:requester_id>/", views.RequesterDetail.as_view(), name="api-requester"),
    path("me/presence/", views.MePresence.as_view(), name="api-me-presence"),
]
