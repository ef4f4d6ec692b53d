"""Bulk actions: many tickets, each through its single-ticket service and its own
transaction, every one reported done or refused with the service's words."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from notifications.models import Notification
from replies.models import CannedReply
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets.choices import EventKind, Status
from tickets.exceptions import TicketError
from tickets.models import Comment, Ticket, TicketEvent
from tickets.services import ticket_reclassify, tickets_bulk_apply

pytestmark = pytest.mark.django_db


def refs(*tickets):
    return [ticket.reference for ticket in tickets]


def test_a_bulk_escalation_moves_each_ticket_audited_and_refuses_the_last_level_alone():
    agent = make_agent(1, 2, 3)
    make_agent(2, 3)  # who hears of it
    first, second = TicketFactory(level=1), TicketFactory(level=2)
    top = TicketFactory(level=3)
    outcomes = tickets_bulk_apply(
        by=agent, references=refs(first, second, top), action="escalate", params={"reason": "Needs the network team"}
    )
    assert [(o.reference, o.done) for o in outcomes] == [
        (first.reference, True),
        (second.reference, True),
        (top.reference, False),
    ]
    assert "Level III is the last level" in outcomes[2].message
    assert Ticket.objects.get(pk=first.pk).level == 2 and Ticket.objects.get(pk=second.pk).level == 3
    assert Ticket.objects.get(pk=top.pk).level == 3
    events = TicketEvent.objects.filter(kind=EventKind.ESCALATED)
    assert sorted(events.values_list("ticket_id", flat=True)) == sorted([first.pk, second.pk])
    assert set(events.values_list("reason", flat=True)) == {"Needs the network team"}
    # Each escalated ticket's next level is told, as when it is escalated alone.
    assert set(Notification.objects.filter(kind="escalated").values_list("ticket_id", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_a_refused_ticket_never_undoes_the_others_and_closed_or_missing_tickets_say_why():
    agent = make_agent(1)
    open_ticket = TicketFactory(level=1)
    closed = TicketFactory(level=1, status=Status.CLOSED)
    above = TicketFactory(level=2)
    outcomes = tickets_bulk_apply(
        by=agent, references=[*refs(open_ticket, closed, above), "HD-999999"], action="take", params={}
    )
    done = {o.reference: (o.done, o.message) for o in outcomes}
    assert done[open_ticket.reference] == (True, "")
    assert "only an open ticket can be assigned" in done[closed.reference][1]
    assert "above the levels you work" in done[above.reference][1]
    assert done["HD-999999"] == (False, "No ticket HD-999999 was found.")
    assert Ticket.objects.get(pk=open_ticket.pk).assignee == agent
    assert Ticket.objects.get(pk=above.pk).assignee is None


def test_a_requester_gets_every_ticket_refused_and_learns_nothing_of_others():
    requester = make_requester()
    own = TicketFactory(requester=requester)
    other = TicketFactory()
    outcomes = tickets_bulk_apply(by=requester, references=refs(own, other), action="take", params={})
    assert [o.done for o in outcomes] == [False, False]
    assert outcomes[0].message == "Only support staff can do this."
    assert outcomes[1].message == f"No ticket {other.reference} was found."
    assert outcomes[1].ticket is None
    assert not TicketEvent.objects.exists()


def test_bulk_priority_status_assign_and_send_down_go_through_their_services():
    supervisor, agent = make_supervisor(), make_agent(1, 2)
    a, b = TicketFactory(level=2), TicketFactory(level=2)
    tickets_bulk_apply(
        by=supervisor, references=refs(a, b), action="priority", params={"impact": "high", "urgency": "high"}
    )
    assert set(Ticket.objects.filter(pk__in=[a.pk, b.pk]).values_list("priority", flat=True)) == {1}
    tickets_bulk_apply(by=supervisor, references=refs(a, b), action="assign", params={"assignee": agent})
    assert set(Ticket.objects.filter(pk__in=[a.pk, b.pk]).values_list("assignee", flat=True)) == {agent.pk}
    outcomes = tickets_bulk_apply(
        by=supervisor, references=refs(a, b), action="status", params={"status": "pending", "reason": "Asked"}
    )
    assert all(o.done for o in outcomes)
    assert set(Ticket.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {"pending"}
    outcomes = tickets_bulk_apply(by=supervisor, references=refs(a), action="deescalate", params={"reason": "Easy one"})
    assert outcomes[0].done and Ticket.objects.get(pk=a.pk).level == 1


def test_a_canned_reply_goes_to_each_ticket_filled_in_for_it():
    agent = make_agent(1)
    reply = CannedReply.objects.create(
        owner=agent, title="Restart", body_en="Hi {requester_first_name}, restart {ticket_reference}."
    )
    a, b = TicketFactory(level=1), TicketFactory(level=1)
    outcomes = tickets_bulk_apply(by=agent, references=refs(a, b), action="reply", params={"reply": reply.pk})
    assert all(o.done for o in outcomes), outcomes
    for ticket in (a, b):
        assert ticket.reference in Comment.objects.get(ticket=ticket).body


def test_the_whole_request_is_refused_above_the_cap_or_with_an_unknown_action():
    agent = make_agent(1)
    tickets = TicketFactory.create_batch(3, level=1)
    with override_settings(HELPDESK_BULK_MAX_TICKETS=2), pytest.raises(TicketError, match="at most 2"):
        tickets_bulk_apply(by=agent, references=refs(*tickets), action="take", params={})
    with pytest.raises(TicketError):
        tickets_bulk_apply(by=agent, references=refs(*tickets), action="drop table", params={})
    with pytest.raises(TicketError):
        tickets_bulk_apply(by=agent, references=refs(*tickets), action="escalate", params={})
    assert not TicketEvent.objects.exists()


def queries_for(agent, count):
    tickets = TicketFactory.create_batch(count, level=1)
    with CaptureQueriesContext(connection) as queries:
        outcomes = tickets_bulk_apply(
            by=agent, references=refs(*tickets), action="priority", params={"impact": "high", "urgency": "low"}
        )
    assert all(o.done for o in outcomes)
    return len(queries)


def test_queries_per_ticket_stay_constant():
    agent = make_agent(1)
    queries_for(agent, 1)  # warm the per-process caches (SLA policies, calendars)
    three, six, twelve = queries_for(agent, 3), queries_for(agent, 6), queries_for(agent, 12)
    per_ticket = (six - three) / 3
    assert twelve - six == 6 * per_ticket
    # What one ticket costs alone through the same service, and a savepoint of its own.
    alone = TicketFactory(level=1)
    with CaptureQueriesContext(connection) as single:
        ticket_reclassify(ticket_id=alone.pk, by=agent, impact="high", urgency="low", category=None)
    assert per_ticket <= len(single) + 2


# --- the pages


def test_the_queue_offers_a_checkbox_per_row_and_the_bulk_bar(client):
    agent = make_agent(1)
    ticket = TicketFactory(level=1)
    client.force_login(agent)
    html = client.get("/queue/", {"level": 1}).content.decode()
    assert f'name="tickets" value="{ticket.reference}" form="bulk-form"' in html
    assert 'id="bulk-form"' in html and 'name="all_on_page"' in html


def test_a_plain_bulk_post_answers_with_a_page_listing_each_ticket(client):
    agent = make_agent(1)
    make_agent(2)
    mine, above = TicketFactory(level=1), TicketFactory(level=2)
    client.force_login(agent)
    response = client.post(
        "/tickets/bulk/",
        {
            "tickets": [mine.reference, above.reference],
            "action": "escalate",
            "reason": "Router",
            "next": "/queue/?level=1",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 ticket done" in html and "1 refused" in html
    assert "above the levels you work" in html
    assert 'href="/queue/?level=1"' in html
    assert Ticket.objects.get(pk=mine.pk).level == 2


def test_an_htmx_bulk_post_gets_the_result_alone_and_tells_the_list_to_refresh(client):
    agent = make_agent(1)
    ticket = TicketFactory(level=1)
    client.force_login(agent)
    response = client.post("/tickets/bulk/", {"tickets": ticket.reference, "action": "take"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "tickets-changed"
    assert "<html" not in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee == agent


def test_select_all_on_this_page_works_without_javascript(client):
    agent = make_agent(1)
    tickets = TicketFactory.create_batch(3, level=1)
    client.force_login(agent)
    response = client.post("/tickets/bulk/", {"page_tickets": refs(*tickets), "all_on_page": "on", "action": "take"})
    assert response.status_code == 200
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {agent.pk}


def test_a_bulk_post_without_tickets_or_over_the_cap_says_so_and_changes_nothing(client):
    agent = make_agent(1)
    tickets = TicketFactory.create_batch(3, level=1)
    client.force_login(agent)
    assert "Choose at least one ticket" in client.post("/tickets/bulk/", {"action": "take"}).content.decode()
    with override_settings(HELPDESK_BULK_MAX_TICKETS=2):
        response = client.post("/tickets/bulk/", {"tickets": refs(*tickets), "action": "take"})
    assert response.status_code == 400
    assert "a bulk action changes at most 2 at a time" in response.content.decode()
    response = client.post("/tickets/bulk/", {"tickets": refs(*tickets), "action": "escalate", "reason": " "})
    assert response.status_code == 400 and "Give one reason" in response.content.decode()
    assert not TicketEvent.objects.exists()


def test_a_requester_cannot_reach_the_bulk_view(client):
    requester = make_requester()
    ticket = TicketFactory(requester=requester)
    client.force_login(requester)
    assert client.post("/tickets/bulk/", {"tickets": ticket.reference, "action": "take"}).status_code == 403


def test_a_next_address_elsewhere_is_not_followed(client):
    client.force_login(make_agent(1))
    ticket = TicketFactory(level=1)
    response = client.post(
        "/tickets/bulk/", {"tickets": ticket.reference, "action": "take", "next": "https://evil.example.com/"}
    )
    assert "evil.example.com" not in response.content.decode()
