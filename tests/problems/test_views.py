"""The problems pages: the list and its filters, opening one from a ticket, the panel on
each incident's page with its workaround to send, and resolving with the incidents; what
requesters get (never a problem)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from problems.choices import ProblemStatus
from problems.models import Problem, ProblemIncident
from tests.factories import TicketFactory, make_agent, make_requester
from tests.problems.support import problem_with
from tickets.choices import Status
from tickets.models import Comment, Ticket

pytestmark = pytest.mark.django_db


def test_an_agent_opens_a_problem_from_a_ticket(client):
    agent = make_agent(1)
    ticket = TicketFactory(status=Status.OPEN, subject="VPN drops every morning")
    client.force_login(agent)
    form = client.get(reverse("problems:from-ticket", args=[ticket.reference]))
    assert form.status_code == 200 and "VPN drops every morning" in form.content.decode()
    response = client.post(
        reverse("problems:from-ticket", args=[ticket.reference]), {"title": "VPN drops <at> 09:00 & 🙂"}
    )
    problem = Problem.objects.get()
    assert response["Location"] == problem.get_absolute_url()
    assert problem.title == "VPN drops <at> 09:00 & 🙂"
    assert ProblemIncident.objects.filter(problem=problem, ticket=ticket).exists()


def test_the_list_filters_by_status_and_words(client):
    agent = make_agent(1)
    mail = problem_with(TicketFactory(), title="Mail is slow")
    vpn = problem_with(TicketFactory(), title="VPN drops")
    Problem.objects.filter(pk=vpn.pk).update(status=ProblemStatus.KNOWN_ERROR)
    client.force_login(agent)
    page = client.get(reverse("problems:list"), {"status": "known_error"}).content.decode()
    assert vpn.reference in page and mail.reference not in page
    page = client.get(reverse("problems:list"), {"q": "mail"}).content.decode()
    assert mail.reference in page and vpn.reference not in page
    page = client.get(reverse("problems:list"), {"q": vpn.reference.lower()}).content.decode()
    assert vpn.reference in page and mail.reference not in page


def test_the_list_costs_the_same_queries_with_more_problems(client, django_assert_max_num_queries):
    client.force_login(make_agent(1))
    problem_with(TicketFactory())
    client.get(reverse("problems:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("problems:list"))
    for _ in range(4):
        problem_with(TicketFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("problems:list"))


def test_the_incident_s_page_shows_the_problem_and_sends_its_workaround(client):
    agent = make_agent(1)
    ticket = TicketFactory(status=Status.OPEN)
    problem = problem_with(ticket)
    client.force_login(agent)
    panel = client.get(reverse("problems:ticket-panel", args=[ticket.reference])).content.decode()
    assert problem.reference in panel
    assert "The firewall&#x27;s session table fills" in panel and "Reconnect the VPN" in panel
    assert "Send workaround as reply" in panel
    response = client.post(reverse("problems:send-workaround", args=[ticket.reference, problem.reference]))
    assert response.status_code == 302
    reply = Comment.objects.get(ticket=ticket)
    assert (reply.body, reply.is_internal) == ("Reconnect the VPN", False)


def test_sending_to_a_ticket_that_is_not_an_incident_is_refused(client):
    agent = make_agent(1)
    problem = problem_with(TicketFactory())
    other = TicketFactory(status=Status.OPEN)
    client.force_login(agent)
    response = client.post(reverse("problems:send-workaround", args=[other.reference, problem.reference]))
    assert response.status_code == 409 and "not an incident" in response.content.decode()
    assert not Comment.objects.exists()


def test_resolving_the_problem_reports_each_incident(client):
    agent = make_agent(1)
    first, second = TicketFactory(status=Status.OPEN), TicketFactory(status=Status.OPEN, level=3)
    problem = problem_with(first)
    ProblemIncident.objects.create(problem=problem, ticket=second, added_by=agent)
    client.force_login(agent)
    response = client.post(
        reverse("problems:resolve", args=[problem.reference]),
        {"status": "resolved", "resolution": "Firewall upgraded", "resolve_incidents": "on"},
        follow=True,
    )
    page = response.content.decode()
    assert f"Also resolved, their requesters told: {first.reference}." in page
    assert f"{second.reference} was not resolved" in page
    assert Ticket.objects.get(pk=first.pk).status == Status.RESOLVED
    assert Ticket.objects.get(pk=second.pk).status == Status.OPEN


def test_a_refused_edit_keeps_what_was_typed(client):
    agent = make_agent(1)
    problem = problem_with(TicketFactory())
    client.force_login(agent)
    response = client.post(
        reverse("problems:edit", args=[problem.reference]),
        {"title": "\x00", "status": "open", "root_cause": "Kept text 7c1"},
    )
    assert response.status_code == 400 and "Kept text 7c1" in response.content.decode()
    assert Problem.objects.get(pk=problem.pk).root_cause == "The firewall's session table fills"


@pytest.mark.parametrize("own", [True, False])
def test_requesters_never_see_problems(client, own):
    requester = make_requester()
    ticket = TicketFactory(status=Status.OPEN, requester=requester if own else make_requester())
    problem = problem_with(ticket)
    client.force_login(requester)
    assert client.get(reverse("problems:list")).status_code == 403
    assert client.get(problem.get_absolute_url()).status_code == 403
    assert client.get(reverse("problems:ticket-panel", args=[ticket.reference])).status_code == (403 if own else 404)
    if own:
        page = client.get(ticket.get_absolute_url()).content.decode()
        assert problem.reference not in page and "problem-slot" not in page
