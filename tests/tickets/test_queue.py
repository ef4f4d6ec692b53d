import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import TicketFactory, make_agent, make_supervisor
from tickets.choices import Status

pytestmark = pytest.mark.django_db


def queue_html(client, **params):
    response = client.get("/queue/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_queue_shows_only_open_tickets_of_the_chosen_level(client):
    agent = make_agent(1, 2)
    TicketFactory(level=1, subject="L1 open")
    TicketFactory(level=2, subject="L2 open")
    TicketFactory(level=1, subject="L1 closed", status=Status.CLOSED)
    client.force_login(agent)
    html = queue_html(client, level=1)
    assert "L1 open" in html and "L2 open" not in html and "L1 closed" not in html
    assert "L2 open" in queue_html(client, level=2)


def test_queue_tabs_unassigned_and_mine(client):
    agent = make_agent(1)
    other = make_agent(1)
    TicketFactory(level=1, subject="Nobody's", status=Status.NEW)
    TicketFactory(level=1, subject="Mine", assignee=agent, status=Status.OPEN)
    TicketFactory(level=1, subject="Theirs", assignee=other, status=Status.OPEN)
    client.force_login(agent)
    unassigned = queue_html(client, view="unassigned")
    assert "Nobody&#x27;s" in unassigned and "Mine" not in unassigned and "Theirs" not in unassigned
    mine = queue_html(client, view="mine")
    assert "Mine" in mine and "Theirs" not in mine and "Nobody" not in mine


def test_queue_filters_search_and_sorts(client):
    agent = make_agent(1)
    p1 = TicketFactory(level=1, subject="Server on fire", impact="high", urgency="high", priority=1)
    TicketFactory(level=1, subject="Mouse squeaks", impact="low", urgency="low", priority=4)
    client.force_login(agent)
    filtered = queue_html(client, priority=1)
    assert "Server on fire" in filtered and "Mouse squeaks" not in filtered
    searched = queue_html(client, q="mouse")
    assert "Mouse squeaks" in searched and "Server on fire" not in searched
    by_reference = queue_html(client, q=p1.reference)
    assert "Server on fire" in by_reference and "Mouse squeaks" not in by_reference
    ascending = queue_html(client, sort="priority")
    assert ascending.index("Server on fire") < ascending.index("Mouse squeaks")
    descending = queue_html(client, sort="-priority")
    assert descending.index("Mouse squeaks") < descending.index("Server on fire")


def test_bad_queue_parameters_fall_back_instead_of_failing(client):
    client.force_login(make_agent(1))
    for params in ({"priority": "high"}, {"sort": "drop table"}, {"per_page": "lots"}, {"page": "-3"}, {"level": "x"}):
        assert client.get("/queue/", params).status_code == 200


def test_queue_pages_are_paginated(client):
    agent = make_agent(1)
    TicketFactory.create_batch(12, level=1)
    client.force_login(agent)
    first = queue_html(client, per_page=10)
    assert "Page 1 of 2" in first
    assert "12 tickets" in first


def count_queries(client, **params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/queue/", params).status_code == 200
    return len(queries)


def test_queue_query_count_does_not_grow_with_tickets_or_page_size(client):
    agent = make_agent(1)
    client.force_login(agent)
    TicketFactory.create_batch(3, level=1, assignee=agent, status=Status.OPEN)
    small = count_queries(client, per_page=10)
    TicketFactory.create_batch(60, level=1, assignee=make_agent(1), status=Status.OPEN)
    assert count_queries(client, per_page=10) == small
    assert count_queries(client, per_page=100) == small


def test_dashboard_counts_open_tickets_by_level_and_priority(client):
    TicketFactory(level=1, impact="high", urgency="high", priority=1)
    TicketFactory(level=2, priority=3)
    TicketFactory(level=2, priority=3, status=Status.CLOSED)
    client.force_login(make_supervisor())
    response = client.get("/dashboard/")
    data = response.context["data"]
    assert data.total_open == 2
    assert data.matrix[1][1] == 1
    assert data.matrix[2][3] == 1
    assert data.unassigned == {1: 1, 2: 1, 3: 0}


def test_dashboard_query_count_is_constant(client):
    client.force_login(make_supervisor())
    TicketFactory.create_batch(2, level=1)
    with CaptureQueriesContext(connection) as before:
        client.get("/dashboard/")
    TicketFactory.create_batch(30, level=3, assignee=make_agent(3), status=Status.OPEN)
    with CaptureQueriesContext(connection) as after:
        client.get("/dashboard/")
    assert len(after) == len(before)


def test_escalations_today_are_counted_on_the_dashboard(client):
    from tickets import services

    agent = make_agent(1)
    make_agent(2)
    ticket = TicketFactory(level=1)
    services.ticket_escalate(ticket_id=ticket.pk, by=agent, reason="deeper")
    client.force_login(make_supervisor())
    data = client.get("/dashboard/").context["data"]
    assert data.escalations_today == 1
    assert data.escalations_today_by_level[2] == 1
