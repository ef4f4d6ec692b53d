from django.urls import path

from problems.urls import ProblemReferenceConverter  # noqa: F401 - registers the ``prb`` converter
from tickets.urls import ReferenceConverter  # noqa: F401 - registers the ``ref`` converter

from . import views

app_name = "knowledge"
urlpatterns = [
    path("kb/", views.article_index, name="list"),
    path("kb/new/", views.article_create, name="create"),
    path("kb/manage/", views.article_manage, name="manage"),
    path("kb/suggest/", views.suggest, name="suggest"),
    path("kb/picker/", views.picker, name="picker"),
    path("kb/deflections/", views.deflections, name="deflections"),
    path("kb/from-ticket/<ref:reference>/", views.article_from_ticket, name="from-ticket"),
    path("kb/from-problem/<prb:reference>/", views.article_from_problem, name="from-problem"),
    path("kb/tickets/<ref:reference>/suggested/", views.ticket_suggestions, name="ticket-suggestions"),
    path("kb/<slug:slug>/", views.article_detail, name="detail"),
    path("kb/<slug:slug>/edit/", views.article_edit, name="edit"),
    path("kb/<slug:slug>/status/", views.article_status, name="status"),
    path("kb/<slug:slug>/vote/", views.article_vote, name="vote"),
    path("kb/<slug:slug>/versions/", views.article_versions_page, name="versions"),
    path("kb/<slug:slug>/versions/<int:number>/", views.article_version_page, name="version"),
    path("kb/<slug:slug>/versions/<int:number>/restore/", views.article_restore, name="restore"),
]
