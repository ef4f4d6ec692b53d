"""Saved views and the ticket list's filters through the API."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.factories import TicketFactory, make_agent
from tickets.choices import Status
from tickets.models import SavedView

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"name": "x" * 251}, "name"),
        ({"name": " \r\n "}, "name"),
        ({"name": "ok", "query": "created_after=never"}, "Created from"),
        ({"name": "ok", "query": "level=9"}, "Level"),
        ({"name": "ok", "shared": "perhaps"}, "shared"),
        ({"name": ["a", "b"]}, "name"),
    ],
)
def test_hostile_saved_views_are_refused_with_the_reason(body, why):
    response = client_for(make_agent(1)).post("/api/v1/saved-views/", body, format="json")
    assert response.status_code == 400
    assert why in response.content.decode()
    assert not SavedView.objects.exists()


def test_a_saved_view_keeps_a_hostile_name_as_one_line():
    response = client_for(make_agent(1)).post(
        "/api/v1/saved-views/", {"name": "Ünï 😀 ' \" < > &\r\nx", "query": "q=vpn&bogus=1"}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["name"], response.json()["query"]) == ("Ünï 😀 ' \" < > & x", "q=vpn")


def test_the_ticket_api_lists_every_status_and_filters_by_state_resolution_and_overdue():
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    client = client_for(make_agent(1))
    TicketFactory(level=1, status=Status.CLOSED, subject="closed", resolved_at=now - timedelta(days=2))
    TicketFactory(level=1, status=Status.OPEN, subject="late", sla_due_at=now - timedelta(hours=1))
    TicketFactory(level=1, status=Status.PENDING, subject="pending")

    def subjects(**params) -> list[str]:
        response = client.get("/api/v1/tickets/", params)
        assert response.status_code == 200, response.content
        return sorted(row["subject"] for row in response.json()["results"])

    with time_machine.travel(now, tick=False):
        assert subjects() == ["closed", "late", "pending"]
        assert subjects(state="open") == ["late", "pending"]
        assert subjects(state="done") == ["closed"]
        assert subjects(overdue="true") == ["late"]
        assert subjects(resolved_after=(now - timedelta(days=3)).isoformat()) == ["closed"]
        assert client.get("/api/v1/tickets/", {"state": "nonsense"}).status_code == 400
