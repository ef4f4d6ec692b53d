"""Links between tickets: added and removed by staff at the ticket's level, never to the
ticket itself nor twice, shown on both tickets with the other side's words, and naming
only tickets the reader may read."""

import pytest

from tests.factories import TicketFactory, make_agent, make_requester
from tickets import services
from tickets.choices import EventKind, LinkKind
from tickets.exceptions import NotAllowedError, TicketError
from tickets.models import TicketEvent, TicketLink
from tickets.selectors import ticket_events_visible, ticket_links_for_user

pytestmark = pytest.mark.django_db

HOSTILE = ["", " ", "HD-", "HD-00000x", "'\"<>&", "🙂", "ä" * 250, "HD-000001\r\nX", "x" * 10_000, "-1", "HD-99999999"]


def test_a_link_is_shown_on_both_tickets_with_the_words_of_each_side():
    agent = make_agent(1)
    duplicate, original, cause = TicketFactory(), TicketFactory(), TicketFactory()
    services.ticket_link_add(ticket_id=duplicate.pk, by=agent, to_reference=original.reference, kind=LinkKind.DUPLICATE)
    services.ticket_link_add(ticket_id=duplicate.pk, by=agent, to_reference=cause.reference, kind=LinkKind.CAUSED_BY)
    shown = {(link.label, link.other.pk) for link in ticket_links_for_user(ticket=duplicate, user=agent)}
    assert shown == {("Duplicate of", original.pk), ("Caused by", cause.pk)}
    assert [(link.label, link.other.pk) for link in ticket_links_for_user(ticket=original, user=agent)] == [
        ("Duplicated by", duplicate.pk)
    ]
    assert [(link.label, link.other.pk) for link in ticket_links_for_user(ticket=cause, user=agent)] == [
        ("Causes", duplicate.pk)
    ]
    events = TicketEvent.objects.filter(kind=EventKind.LINK_ADDED)
    assert {(event.ticket_id, event.to_value) for event in events} == {
        (duplicate.pk, original.reference),
        (original.pk, duplicate.reference),
        (duplicate.pk, cause.reference),
        (cause.pk, duplicate.reference),
    }


def test_a_requester_sees_only_the_links_to_tickets_they_may_read_and_no_link_events():
    agent = make_agent(1)
    ticket = TicketFactory()
    own_other = TicketFactory(requester=ticket.requester)
    someone_elses = TicketFactory()
    for other in (own_other, someone_elses):
        services.ticket_link_add(ticket_id=ticket.pk, by=agent, to_reference=other.reference)
    assert [link.other.pk for link in ticket_links_for_user(ticket=ticket, user=ticket.requester)] == [own_other.pk]
    assert len(ticket_links_for_user(ticket=ticket, user=agent)) == 2
    assert not ticket_events_visible(user=ticket.requester, ticket=ticket).filter(kind=EventKind.LINK_ADDED).exists()


def test_no_link_to_itself_nor_the_same_link_twice():
    agent = make_agent(1)
    ticket, other = TicketFactory(), TicketFactory()
    with pytest.raises(TicketError):
        services.ticket_link_add(ticket_id=ticket.pk, by=agent, to_reference=ticket.reference)
    services.ticket_link_add(ticket_id=ticket.pk, by=agent, to_reference=other.reference)
    with pytest.raises(TicketError):
        services.ticket_link_add(ticket_id=ticket.pk, by=agent, to_reference=other.reference)
    # Another kind of link between the same pair is another fact.
    services.ticket_link_add(ticket_id=ticket.pk, by=agent, to_reference=other.reference, kind=LinkKind.CAUSED_BY)
    assert TicketLink.objects.count() == 2


@pytest.mark.parametrize("reference", HOSTILE, ids=[f"hostile-{n}" for n in range(len(HOSTILE))])
def test_a_reference_that_names_no_ticket_is_refused(reference):
    ticket = TicketFactory()
    before = TicketEvent.objects.count()
    with pytest.raises(TicketError):
        services.ticket_link_add(ticket_id=ticket.pk, by=make_agent(1), to_reference=reference)
    assert (TicketLink.objects.count(), TicketEvent.objects.count()) == (0, before)


def test_a_kind_off_the_list_is_refused():
    with pytest.raises(TicketError):
        services.ticket_link_add(
            ticket_id=TicketFactory().pk, by=make_agent(1), to_reference=TicketFactory().reference, kind="parent"
        )


def test_only_staff_at_the_tickets_level_add_and_remove_links():
    ticket, other = TicketFactory(level=2), TicketFactory()
    for outsider in (make_requester(), ticket.requester, make_agent(1)):
        with pytest.raises(NotAllowedError):
            services.ticket_link_add(ticket_id=ticket.pk, by=outsider, to_reference=other.reference)
    link = services.ticket_link_add(ticket_id=ticket.pk, by=make_agent(2), to_reference=other.reference)
    with pytest.raises(NotAllowedError):
        services.ticket_link_remove(ticket_id=ticket.pk, by=make_agent(1), link_id=link.pk)
    remover = make_agent(2)
    services.ticket_link_remove(ticket_id=ticket.pk, by=remover, link_id=link.pk)
    assert not TicketLink.objects.exists()
    removed = TicketEvent.objects.filter(kind=EventKind.LINK_REMOVED)
    assert {(event.ticket_id, event.actor_id) for event in removed} == {(ticket.pk, remover.pk), (other.pk, remover.pk)}


def test_a_link_of_another_ticket_cannot_be_removed_through_this_one():
    agent = make_agent(1)
    a, b, c = TicketFactory(), TicketFactory(), TicketFactory()
    link = services.ticket_link_add(ticket_id=a.pk, by=agent, to_reference=b.reference)
    with pytest.raises(TicketError):
        services.ticket_link_remove(ticket_id=c.pk, by=agent, link_id=link.pk)
    assert TicketLink.objects.filter(pk=link.pk).exists()
