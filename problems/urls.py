from django.urls import path, register_converter

from tickets.urls import ReferenceConverter  # noqa: F401 - registers the ``ref`` converter

from . import views


class ProblemReferenceConverter:
    regex = r"[Pp][Rr][Bb]-\d{6,}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(ProblemReferenceConverter, "prb")

app_name = "problems"

P = "problems/<prb:reference>/"
urlpatterns = [
    path("problems/", views.problem_list_page, name="list"),
    path("problems/new/", views.problem_new, name="new"),
    path(P, views.problem_detail, name="detail"),
    path(P + "edit/", views.problem_edit, name="edit"),
    path(P + "incidents/", views.problem_link, name="link"),
    path(P + "incidents/<ref:ticket>/remove/", views.problem_unlink, name="unlink"),
    path(P + "resolve/", views.problem_resolve, name="resolve"),
    path("tickets/<ref:reference>/problems/", views.ticket_panel, name="ticket-panel"),
    path("tickets/<ref:reference>/problems/new/", views.problem_from_ticket, name="from-ticket"),
    path(
        "tickets/<ref:reference>/problems/<prb:problem>/send-workaround/",
        views.workaround_send,
        name="send-workaround",
    ),
]
