from django.urls import path

from tickets.urls import ReferenceConverter  # noqa: F401 - registers the ``ref`` converter

from . import views

app_name = "escalation"

urlpatterns = [
    path("tickets/<ref:reference>/acknowledge-page/", views.acknowledge_page, name="acknowledge-page"),
]
