from django.urls import path

from . import views

P = "problems/<str:reference>/"
urlpatterns = [
    path("problems/", views.ProblemList.as_view(), name="api-problems"),
    path(P, views.ProblemDetail.as_view(), name="api-problem"),
    path(P + "incidents/", views.ProblemIncidents.as_view(), name="api-problem-incidents"),
    path(P + "incidents/<str:ticket>/", views.ProblemIncident.as_view(), name="api-problem-incident"),
    path(P + "resolve/", views.ProblemResolve.as_view(), name="api-problem-resolve"),
]
