"""Watchers: colleagues the requester copies in, and staff who follow a ticket of another
level. They read it and reply to it; staff watchers also write notes, but never take,
assign, escalate or resolve a ticket above their levels."""

import pytest

from notifications.choices import NotificationKind
from notifications.models import Notification
from tests.factories import TicketFactory, UserFactory, make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import EventKind, Status, Urgency
from tickets.exceptions import NotAllowedError, TicketError, TransitionError
from tickets.models import Comment, TicketEvent, TicketWatcher
from tickets.selectors import ticket_get_for_user, ticket_list_for_requester

pytestmark = pytest.mark.django_db

HOSTILE_ADDRESSES = [
    "",
    "   ",
    "'\"<>&@example.com",
    "<script>alert(1)</script>",
    "🙂@example.com",
    "ä" * 250 + "@example.com",
    "colleague@example.com\r\nBcc: everyone@example.com",
    "x" * 10_000,
    "%",
    "*@example.com",
]


def filed(requester=None, urgency=Urgency.MEDIUM):
    return services.ticket_create(
        requester=requester or make_requester(), subject="VPN drops", description="Every hour.", urgency=urgency
    )


def test_the_requester_copies_a_colleague_in_by_exact_email_and_they_read_and_reply():
    ticket = filed(urgency=Urgency.LOW)
    colleague = make_requester(email="Sari.Dewi@example.com")
    services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email="sari.dewi@EXAMPLE.com")
    assert TicketWatcher.objects.filter(ticket=ticket, user=colleague, added_by=ticket.requester).exists()
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.WATCHER_ADDED)
    assert (event.actor, event.to_value) == (ticket.requester, colleague.username)
    assert ticket_get_for_user(user=colleague, reference=ticket.reference).pk == ticket.pk
    assert list(ticket_list_for_requester(user=colleague)) == [ticket]
    comment = services.comment_add(ticket_id=ticket.pk, author=colleague, body="Same here on floor 2")
    assert not comment.is_internal


def test_a_colleague_copied_in_may_not_write_internal_notes():
    ticket = filed()
    colleague = make_requester()
    services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email=colleague.email)
    with pytest.raises(NotAllowedError):
        services.comment_add(ticket_id=ticket.pk, author=colleague, body="psst", internal=True)
    assert not Comment.objects.filter(ticket=ticket, author=colleague).exists()


def test_a_colleagues_reply_takes_a_pending_ticket_back_to_open_and_tells_the_assignee():
    agent = make_agent(1)
    ticket = filed()
    services.ticket_take(ticket_id=ticket.pk, by=agent)
    services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=Status.PENDING, reason="Waiting")
    colleague = make_requester()
    services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email=colleague.email)
    services.comment_add(ticket_id=ticket.pk, author=colleague, body="It dropped again at 10:00")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert Notification.objects.filter(ticket=ticket, kind=NotificationKind.REQUESTER_REPLIED, recipient=agent).exists()


def test_someone_not_copied_in_still_cannot_see_the_ticket():
    from django.http import Http404

    ticket = filed()
    with pytest.raises(Http404):
        ticket_get_for_user(user=make_requester(), reference=ticket.reference)


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES, ids=[f"hostile-{n}" for n in range(len(HOSTILE_ADDRESSES))])
def test_an_address_that_is_no_colleagues_is_refused_without_saying_more(address):
    ticket = filed()
    UserFactory(username="star", email="star@example.com")
    before = TicketEvent.objects.count()
    with pytest.raises(TicketError) as refused:
        services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email=address)
    assert "star" not in refused.value.message
    assert not TicketWatcher.objects.exists()
    assert TicketEvent.objects.count() == before


def test_an_unknown_and_an_inactive_address_get_the_same_words():
    ticket = filed()
    UserFactory(username="gone", email="gone@example.com", is_active=False)
    messages = set()
    for address in ("gone@example.com", "nobody@example.com"):
        with pytest.raises(TicketError) as refused:
            services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email=address)
        messages.add(refused.value.message)
    assert len(messages) == 1


def test_the_requester_cannot_be_copied_in_nor_anyone_twice():
    ticket = filed()
    colleague = make_requester()
    with pytest.raises(TicketError):
        services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email=ticket.requester.email)
    services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email=colleague.email)
    with pytest.raises(TicketError):
        services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email=colleague.email)
    assert TicketWatcher.objects.filter(ticket=ticket).count() == 1


def test_another_requester_and_a_copied_colleague_may_not_copy_people_in():
    ticket = filed()
    colleague = make_requester()
    services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email=colleague.email)
    for someone in (make_requester(), colleague):
        with pytest.raises(NotAllowedError):
            services.watcher_add(ticket_id=ticket.pk, by=someone, email=make_requester().email)


def test_nobody_new_follows_a_closed_ticket():
    ticket = TicketFactory(status=Status.CLOSED)
    with pytest.raises(TransitionError):
        services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email=make_requester().email)
    with pytest.raises(TransitionError):
        services.ticket_follow(ticket_id=ticket.pk, by=make_agent(1))


def test_a_level_one_agent_follows_a_level_three_ticket_and_replies_and_notes_without_taking_it():
    ticket = TicketFactory(level=3, status=Status.OPEN)
    agent = make_agent(1)
    with pytest.raises(NotAllowedError):
        services.comment_add(ticket_id=ticket.pk, author=agent, body="Before following")
    services.ticket_follow(ticket_id=ticket.pk, by=agent)
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.WATCHER_ADDED)
    assert (event.actor, event.to_value) == (agent, agent.username)
    reply = services.comment_add(ticket_id=ticket.pk, author=agent, body="I saw this at the branch too")
    note = services.comment_add(ticket_id=ticket.pk, author=agent, body="Switch 4 logs", internal=True)
    assert (reply.is_internal, note.is_internal) == (False, True)
    # ...but the ticket stays Level III's to work.
    for refused in (
        lambda: services.ticket_take(ticket_id=ticket.pk, by=agent),
        lambda: services.ticket_assign(ticket_id=ticket.pk, by=agent, assignee=agent),
        lambda: services.ticket_deescalate(ticket_id=ticket.pk, by=agent, reason="Mine"),
        lambda: services.ticket_resolve(ticket_id=ticket.pk, by=agent, resolution="Fixed"),
        lambda: services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=Status.PENDING, reason="x"),
        lambda: services.time_entry_record(ticket_id=ticket.pk, by=agent, minutes=5),
    ):
        with pytest.raises(NotAllowedError):
            refused()
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.level, ticket.status) == (None, 3, Status.OPEN)


def test_a_level_one_watcher_cannot_escalate_a_level_two_ticket():
    ticket = TicketFactory(level=2, status=Status.OPEN)
    agent = make_agent(1)
    services.ticket_follow(ticket_id=ticket.pk, by=agent)
    with pytest.raises(NotAllowedError):
        services.ticket_escalate(ticket_id=ticket.pk, by=agent, reason="Needs Level III")
    ticket.refresh_from_db()
    assert ticket.level == 2


def test_requesters_cannot_follow_by_themselves():
    ticket = filed()
    with pytest.raises(NotAllowedError):
        services.ticket_follow(ticket_id=ticket.pk, by=make_requester())


def test_a_watcher_is_removed_by_themself_the_requester_or_staff_here_and_by_nobody_else():
    ticket = filed()
    colleague = make_requester()
    agent = make_agent(1)
    outsiders = [make_requester(), make_agent(2)]
    ticket.level = 3
    ticket.save(update_fields=["level"])
    for remover in (colleague, ticket.requester, make_agent(3)):
        services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email=colleague.email)
        services.watcher_remove(ticket_id=ticket.pk, by=remover, user_id=colleague.pk)
        assert not TicketWatcher.objects.filter(ticket=ticket).exists()
        event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.WATCHER_REMOVED).latest("id")
        assert (event.actor, event.from_value) == (remover, colleague.username)
    services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email=colleague.email)
    for outsider in [*outsiders, agent]:
        with pytest.raises(NotAllowedError):
            services.watcher_remove(ticket_id=ticket.pk, by=outsider, user_id=colleague.pk)
    assert TicketWatcher.objects.filter(ticket=ticket, user=colleague).exists()


def test_removing_someone_who_does_not_follow_is_refused():
    ticket = filed()
    with pytest.raises(TicketError):
        services.watcher_remove(ticket_id=ticket.pk, by=ticket.requester, user_id=make_requester().pk)


def test_watchers_hear_of_support_replies_and_the_resolution_but_not_of_their_own_reply():
    agent = make_agent(1)
    ticket = filed()
    colleague = make_requester()
    follower = make_agent(2)
    services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email=colleague.email)
    services.ticket_follow(ticket_id=ticket.pk, by=follower)
    services.comment_add(ticket_id=ticket.pk, author=agent, body="Try the new profile")
    replied = set(Notification.objects.filter(kind=NotificationKind.REPLY).values_list("recipient", flat=True))
    assert replied == {ticket.requester.pk, colleague.pk, follower.pk}
    services.comment_add(ticket_id=ticket.pk, author=follower, body="Same at the branch")
    assert Notification.objects.filter(kind=NotificationKind.REPLY, recipient=follower).count() == 1
    services.ticket_resolve(ticket_id=ticket.pk, by=agent, resolution="New VPN profile")
    resolved = Notification.objects.filter(kind=NotificationKind.RESOLVED, channel="email")
    assert set(resolved.values_list("recipient", flat=True)) == {ticket.requester.pk, colleague.pk, follower.pk}
    # Only the requester's own copy carries the links that rate the work for them.
    owners = resolved.get(recipient=ticket.requester)
    assert "/rate/" in owners.body_text
    for other in resolved.exclude(recipient=ticket.requester):
        assert "/rate/" not in other.body_text and "/rate/" not in other.body_html


def test_a_watcher_hears_as_their_preferences_say():
    ticket = filed()
    colleague = make_requester(phone="+6281234567890")
    services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email=colleague.email)
    services.comment_add(ticket_id=ticket.pk, author=make_supervisor(), body="Hello")
    # Reply mail about a ticket one follows comes by email, never by SMS, as the requester's does.
    channels = Notification.objects.filter(kind=NotificationKind.REPLY, recipient=colleague).values_list(
        "channel", flat=True
    )
    assert list(channels) == ["email"]
