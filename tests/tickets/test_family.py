"""Parent and child tickets: setting a parent (never itself, a cycle, or a finished
ticket), seeing the family on both pages, and resolving a parent with its open children
through the resolve service, each child's refusal reported alone."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.choices import NotificationKind
from notifications.models import Notification
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import EventKind, Status
from tickets.exceptions import NotAllowedError, TicketError, TransitionError
from tickets.models import Ticket, TicketChecklistItem, TicketEvent

pytestmark = pytest.mark.django_db


def test_a_child_names_its_parent_and_the_change_is_audited():
    agent = make_agent(1)
    parent, child = TicketFactory(status=Status.OPEN), TicketFactory()
    services.ticket_parent_set(ticket_id=child.pk, by=agent, parent_reference=parent.reference.lower())
    child.refresh_from_db()
    assert child.parent_id == parent.pk
    event = TicketEvent.objects.get(ticket=child, kind=EventKind.PARENT_SET)
    assert (event.actor, event.to_value) == (agent, parent.reference)
    services.ticket_parent_clear(ticket_id=child.pk, by=agent)
    child.refresh_from_db()
    assert child.parent_id is None
    assert TicketEvent.objects.get(ticket=child, kind=EventKind.PARENT_CLEARED).from_value == parent.reference


def test_a_ticket_cannot_be_its_own_parent():
    ticket = TicketFactory()
    with pytest.raises(TicketError, match="its own parent"):
        services.ticket_parent_set(ticket_id=ticket.pk, by=make_agent(1), parent_reference=ticket.reference)


def test_a_cycle_is_refused_with_a_clear_message():
    agent = make_agent(1)
    top, middle, bottom = TicketFactory(), TicketFactory(), TicketFactory()
    services.ticket_parent_set(ticket_id=middle.pk, by=agent, parent_reference=top.reference)
    services.ticket_parent_set(ticket_id=bottom.pk, by=agent, parent_reference=middle.reference)
    with pytest.raises(TicketError, match="already below"):
        services.ticket_parent_set(ticket_id=top.pk, by=agent, parent_reference=bottom.reference)
    assert Ticket.objects.get(pk=top.pk).parent_id is None


@pytest.mark.parametrize("status", [Status.CLOSED, Status.RESOLVED])
def test_a_finished_ticket_cannot_be_a_parent(status):
    parent, child = TicketFactory(status=status), TicketFactory()
    with pytest.raises(TransitionError, match="only an open ticket can be a parent"):
        services.ticket_parent_set(ticket_id=child.pk, by=make_agent(1), parent_reference=parent.reference)


@pytest.mark.parametrize("reference", ["", "HD-", "PRB-000001", "HD-999999", "' \" < > & 🙂", "x" * 250])
def test_a_parent_that_is_not_a_ticket_is_refused(reference):
    child = TicketFactory()
    with pytest.raises(TicketError):
        services.ticket_parent_set(ticket_id=child.pk, by=make_agent(1), parent_reference=reference)
    assert not TicketEvent.objects.filter(ticket=child).exists()


def test_a_requester_and_an_agent_below_the_ticket_cannot_set_a_parent():
    parent, child = TicketFactory(), TicketFactory(level=2)
    for person in (child.requester, make_agent(1)):
        with pytest.raises(NotAllowedError):
            services.ticket_parent_set(ticket_id=child.pk, by=person, parent_reference=parent.reference)


def test_resolving_the_parent_resolves_its_open_children_and_tells_their_requesters(
    django_capture_on_commit_callbacks,
):
    supervisor = make_supervisor()
    parent = TicketFactory(status=Status.OPEN)
    children = [TicketFactory(status=Status.OPEN, parent=parent) for _ in range(2)]
    grandchild = TicketFactory(status=Status.NEW, parent=children[0])
    finished = TicketFactory(status=Status.CLOSED, parent=parent)
    with django_capture_on_commit_callbacks(execute=True):
        ticket, outcomes = services.ticket_resolve_with_children(
            ticket_id=parent.pk, by=supervisor, resolution="The core switch was replaced."
        )
    assert ticket.status == Status.RESOLVED
    assert [o.ticket_id for o in outcomes] == sorted(c.pk for c in children) + [grandchild.pk]
    assert all(o.done for o in outcomes)
    for child in [*children, grandchild]:
        child.refresh_from_db()
        assert (child.status, child.resolution) == (Status.RESOLVED, "The core switch was replaced.")
        assert TicketEvent.objects.filter(ticket=child, kind=EventKind.RESOLVED, actor=supervisor).exists()
        assert Notification.objects.filter(ticket=child, kind=NotificationKind.RESOLVED).exists()
    assert Ticket.objects.get(pk=finished.pk).status == Status.CLOSED


def test_a_child_that_cannot_be_resolved_is_reported_and_does_not_hold_back_the_others():
    agent = make_agent(1)
    parent = TicketFactory(status=Status.OPEN)
    above = TicketFactory(status=Status.OPEN, parent=parent, level=3)
    unfinished = TicketFactory(status=Status.OPEN, parent=parent)
    TicketChecklistItem.objects.create(ticket=unfinished, position=1, text="Check the UPS")
    fine = TicketFactory(status=Status.OPEN, parent=parent)
    _ticket, outcomes = services.ticket_resolve_with_children(ticket_id=parent.pk, by=agent, resolution="Fixed")
    by_id = {o.ticket_id: o for o in outcomes}
    assert by_id[fine.pk].done
    assert not by_id[above.pk].done and "Level III" in by_id[above.pk].message
    assert not by_id[unfinished.pk].done and by_id[unfinished.pk].message
    assert Ticket.objects.get(pk=above.pk).status == Status.OPEN
    assert not TicketEvent.objects.filter(ticket=above, kind=EventKind.RESOLVED).exists()
    assert Ticket.objects.get(pk=fine.pk).status == Status.RESOLVED


def test_the_parent_s_page_lists_its_children_and_the_child_s_names_its_parent(client):
    agent = make_agent(1)
    parent = TicketFactory(status=Status.OPEN, subject="Wi-Fi down on floor 3")
    child = TicketFactory(status=Status.OPEN, parent=parent, subject="No internet at desk 12")
    client.force_login(agent)
    page = client.get(parent.get_absolute_url()).content.decode()
    assert child.reference in page and "No internet at desk 12" in page
    page = client.get(child.get_absolute_url()).content.decode()
    assert 'data-testid="parent"' in page and parent.reference in page


def test_a_requester_sees_neither_parent_nor_children(client):
    requester = make_requester()
    parent = TicketFactory(status=Status.OPEN, subject="Secret outage of another team")
    child = TicketFactory(status=Status.OPEN, parent=parent, requester=requester)
    client.force_login(requester)
    page = client.get(child.get_absolute_url()).content.decode()
    assert parent.reference not in page and "Secret outage" not in page


def test_the_page_sets_a_parent_and_resolving_reports_each_child(client):
    agent = make_agent(1)
    parent, child = TicketFactory(status=Status.OPEN), TicketFactory(status=Status.OPEN)
    client.force_login(agent)
    response = client.post(reverse("tickets:parent", args=[child.reference]), {"parent": parent.reference})
    assert response.status_code == 302
    refused = client.post(reverse("tickets:parent", args=[parent.reference]), {"parent": child.reference})
    assert refused.status_code == 409
    assert "already below" in refused.content.decode()
    response = client.post(
        reverse("tickets:resolve", args=[parent.reference]), {"resolution": "Router rebooted"}, follow=True
    )
    assert f"Also resolved, their requesters told: {child.reference}." in response.content.decode()
    response = client.post(reverse("tickets:parent-clear", args=[child.reference]))
    assert response.status_code == 302 and Ticket.objects.get(pk=child.pk).parent_id is None


def test_the_parent_page_costs_the_same_queries_with_more_children(client, django_assert_max_num_queries):
    agent = make_agent(1)
    parent = TicketFactory(status=Status.OPEN)
    TicketFactory(status=Status.OPEN, parent=parent)
    client.force_login(agent)
    client.get(parent.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(parent.get_absolute_url())
    for _ in range(5):
        TicketFactory(status=Status.OPEN, parent=parent)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(parent.get_absolute_url())
