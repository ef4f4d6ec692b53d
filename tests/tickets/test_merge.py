"""Merging a duplicate into the ticket it duplicates: everything it had moves (or stays on
it on purpose), nothing is lost, both requesters are told, and the refusals are clean."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from assets.models import Asset, TicketAsset
from notifications.choices import NotificationKind
from notifications.models import Notification
from satisfaction.models import Rating
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import EventKind, LinkKind, Status, Urgency
from tickets.exceptions import NotAllowedError, TicketError, TransitionError
from tickets.models import (
    Attachment,
    Comment,
    Ticket,
    TicketChecklistItem,
    TicketEvent,
    TicketLink,
    TicketWatcher,
    TimeEntry,
)

pytestmark = pytest.mark.django_db

# What a merge moves to the target; everything else that points at a ticket stays with
# the duplicate: its own audit trail, SLA history and clock, the mail sent about it, its
# rating, how it came in, its vendor and procurement records, its pages.
MOVED = {
    "tickets.Comment",
    "tickets.Attachment",
    "tickets.TimeEntry",
    "tickets.TicketChecklistItem",
    "tickets.TicketWatcher",
    "tickets.TicketLink",
    "tickets.TicketReminder",
    "assets.TicketAsset",
}
KEPT = {
    "tickets.TicketEvent",
    "tickets.Ticket",  # tickets merged into this one (none here)
    "sla.SlaClock",
    "sla.SlaEvent",
    "notifications.Notification",
    "escalation.EscalationRuleFiring",
    "escalation.Page",
    "satisfaction.Rating",
    "intake.InboundMessage",
    "intake.InboundSms",
    "alerts.Alert",
    "vendors.VendorEscalation",
    "maintenance.MaintenanceRun",
    "procurement.ComponentReport",
    "procurement.ProcurementRequest_tickets",
    # The duplicate stays an incident of its problem (closed, it is not resolved with it).
    "problems.ProblemIncident",
}


def relations():
    """(label, model, field name) of every row that can point at a ticket."""
    found = []
    for relation in Ticket._meta.related_objects:
        if relation.many_to_many:
            through = relation.field.remote_field.through
            field = next(f.name for f in through._meta.fields if f.related_model is Ticket)
            found.append((through._meta.label, through, field))
        else:
            found.append((relation.related_model._meta.label, relation.related_model, relation.field.name))
    return found


def pointing_at(ticket) -> dict[tuple[str, str], set[int]]:
    return {
        (label, field): set(model.objects.filter(**{field: ticket.pk}).values_list("pk", flat=True))
        for label, model, field in relations()
    }


def test_every_kind_of_row_that_points_at_a_ticket_has_a_merge_decision():
    assert {label for label, _model, _field in relations()} == MOVED | KEPT


def upload(name):
    return SimpleUploadedFile(name, b"contents", content_type="text/plain")


@pytest.fixture
def pair():
    """A target and a duplicate filed by another requester, with something in every table."""
    agent = make_agent(1, 2)
    target = services.ticket_create(
        requester=make_requester(), subject="Wi-Fi down on floor 3", description="No signal.", urgency=Urgency.HIGH
    )
    duplicate = services.ticket_create(
        requester=make_requester(),
        subject="No Wi-Fi",
        description="Floor 3 again <b>&</b> 🙂",
        urgency=Urgency.LOW,
        attachments=[upload("signal.png")],
    )
    services.comment_add(ticket_id=duplicate.pk, author=agent, body="Looking into it", attachments=[upload("a.log")])
    services.comment_add(ticket_id=duplicate.pk, author=agent, body="AP 3 rebooting", internal=True)
    services.time_entry_record(ticket_id=duplicate.pk, by=agent, minutes=25)
    TicketChecklistItem.objects.create(ticket=target, position=1, text="Check the controller")
    TicketChecklistItem.objects.create(ticket=duplicate, position=1, text="Ask which room")
    TicketChecklistItem.objects.create(ticket=duplicate, position=2, text="Check the AP")
    both = make_requester()
    only_duplicate = make_requester()
    for ticket in (target, duplicate):
        services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email=both.email)
    services.watcher_add(ticket_id=duplicate.pk, by=duplicate.requester, email=only_duplicate.email)
    third, fourth = TicketFactory(), TicketFactory()
    services.ticket_link_add(ticket_id=duplicate.pk, by=agent, to_reference=third.reference)
    services.ticket_link_add(ticket_id=target.pk, by=agent, to_reference=third.reference)
    services.ticket_link_add(ticket_id=fourth.pk, by=agent, to_reference=duplicate.reference, kind=LinkKind.CAUSED_BY)
    services.ticket_link_add(ticket_id=duplicate.pk, by=agent, to_reference=target.reference)
    laptop = Asset.objects.create(tag="AP-0003", asset_type="other", name="Access point 3")
    switch = Asset.objects.create(tag="SW-0001", asset_type="other", name="Switch")
    TicketAsset.objects.create(ticket=duplicate, asset=laptop)
    TicketAsset.objects.create(ticket=duplicate, asset=switch)
    TicketAsset.objects.create(ticket=target, asset=switch)
    Rating.objects.create(ticket=duplicate, requester=duplicate.requester, score=4, level=1)
    return {
        "agent": agent,
        "target": target,
        "duplicate": duplicate,
        "both": both,
        "only_duplicate": only_duplicate,
        "third": third,
        "fourth": fourth,
    }


def test_nothing_is_lost_every_row_moves_to_the_target_or_stays_on_the_duplicate_on_purpose(pair):
    duplicate, target = pair["duplicate"], pair["target"]
    before = pointing_at(duplicate)
    target_before = pointing_at(target)
    assert sum(len(rows) for rows in before.values()) > 20
    for label in ("tickets.Comment", "tickets.Attachment", "tickets.TimeEntry", "tickets.TicketWatcher"):
        assert any(rows for (name, _f), rows in before.items() if name == label), label

    services.ticket_merge(ticket_id=duplicate.pk, by=pair["agent"], into_reference=target.reference)

    after = pointing_at(duplicate)
    target_after = pointing_at(target)
    # Rows dropped as the same fact the target holds already (one person, one link, one device).
    same_watcher = set(TicketWatcher.objects.filter(ticket=target, user=pair["both"]).values_list("pk", flat=True))
    assert len(same_watcher) == 1
    to_target = TicketLink.objects.get(from_ticket=duplicate, to_ticket=target, kind=LinkKind.RELATED)
    for (label, field), rows in before.items():
        model = next(model for name, model, _field in relations() if name == label)
        if label in KEPT or (label == "tickets.TicketLink" and to_target.pk in rows):
            kept = rows if label in KEPT else {to_target.pk}
            assert kept <= after[(label, field)], (label, field)
            assert not kept & target_after[(label, field)] or label == "tickets.TicketEvent"
            continue
        # Moved: every row still exists and now points at the target, unless the target
        # had the very same already.
        still = set(model.objects.filter(pk__in=rows).values_list("pk", flat=True))
        moved = still & target_after[(label, field)]
        dropped = rows - still
        assert moved | dropped == rows, (label, field)
        assert (
            not after[(label, field)]
            - {to_target.pk}
            - set(TicketLink.objects.filter(from_ticket=duplicate, to_ticket=target).values_list("pk", flat=True))
        ), (label, field)
        assert target_before[(label, field)] <= target_after[(label, field)], (label, field)
        if label == "tickets.TicketWatcher":
            assert len(dropped) == 1  # the colleague who followed both
        elif label == "assets.TicketAsset":
            assert len(dropped) == 1  # the switch, named on both
        elif label == "tickets.TicketLink" and field == "from_ticket":
            assert len(dropped) == 1  # both were related to the third ticket
        else:
            assert not dropped, (label, field)
    # Counts: what the target has is what both had, less the facts held twice, plus what
    # the merge adds (the duplicate's request as a reply, its requester as a watcher).
    assert Comment.objects.filter(ticket=target).count() == len(before[("tickets.Comment", "ticket")]) + 1
    assert Attachment.objects.filter(ticket=target).count() == len(before[("tickets.Attachment", "ticket")])
    assert TimeEntry.objects.filter(ticket=target).count() == 1
    assert set(TicketWatcher.objects.filter(ticket=target).values_list("user", flat=True)) == {
        pair["both"].pk,
        pair["only_duplicate"].pk,
        duplicate.requester_id,
    }
    assert list(TicketChecklistItem.objects.filter(ticket=target).values_list("position", "text")) == [
        (1, "Check the controller"),
        (2, "Ask which room"),
        (3, "Check the AP"),
    ]
    assert set(TicketAsset.objects.filter(ticket=target).values_list("asset__tag", flat=True)) == {"AP-0003", "SW-0001"}
    assert TicketLink.objects.filter(from_ticket=pair["fourth"], to_ticket=target, kind=LinkKind.CAUSED_BY).exists()
    assert TicketLink.objects.filter(from_ticket=duplicate, to_ticket=target, kind=LinkKind.DUPLICATE).exists()
    assert Rating.objects.get().ticket_id == duplicate.pk


def test_the_duplicate_is_closed_and_points_at_the_target_with_a_merged_event_on_both(pair):
    duplicate, target = pair["duplicate"], pair["target"]
    services.ticket_merge(ticket_id=duplicate.pk, by=pair["agent"], into_reference=target.reference.lower())
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == (Status.CLOSED, target.pk)
    assert duplicate.closed_at is not None
    mark = TicketEvent.objects.get(ticket=duplicate, kind=EventKind.MERGED)
    assert (mark.actor, mark.to_value) == (pair["agent"], target.reference)
    assert TicketEvent.objects.get(ticket=target, kind=EventKind.MERGED).from_value == duplicate.reference
    closed = TicketEvent.objects.get(ticket=duplicate, kind=EventKind.CLOSED)
    assert target.reference in closed.reason
    carried = Comment.objects.get(ticket=target, author=duplicate.requester)
    assert "Floor 3 again <b>&</b> 🙂" in carried.body and not carried.is_internal


def test_both_requesters_are_told_of_the_merge(pair):
    duplicate, target = pair["duplicate"], pair["target"]
    services.ticket_merge(ticket_id=duplicate.pk, by=pair["agent"], into_reference=target.reference)
    told = Notification.objects.filter(kind=NotificationKind.MERGED, channel="email")
    assert set(told.values_list("recipient", flat=True)) == {duplicate.requester_id, target.requester_id}
    mail = told.get(recipient=duplicate.requester)
    assert duplicate.reference in mail.subject and target.reference in mail.subject
    assert target.get_absolute_url() in mail.body_text


@pytest.mark.parametrize(
    "case", ["itself", "already merged", "into a merged one", "target closed", "duplicate closed", "no such ticket"]
)
def test_a_merge_that_cannot_be_is_refused_and_changes_nothing(case):
    agent = make_agent(1)
    duplicate, target = TicketFactory(status=Status.OPEN), TicketFactory(status=Status.OPEN)
    reference = target.reference
    if case == "itself":
        reference = duplicate.reference
    elif case == "already merged":
        services.ticket_merge(ticket_id=duplicate.pk, by=agent, into_reference=TicketFactory().reference)
    elif case == "into a merged one":
        services.ticket_merge(ticket_id=target.pk, by=agent, into_reference=TicketFactory().reference)
    elif case == "target closed":
        Ticket.objects.filter(pk=target.pk).update(status=Status.CLOSED)
    elif case == "duplicate closed":
        Ticket.objects.filter(pk=duplicate.pk).update(status=Status.CLOSED)
    elif case == "no such ticket":
        reference = "HD-999999"
    before = (
        list(Ticket.objects.order_by("pk").values()),
        TicketEvent.objects.count(),
        Comment.objects.count(),
        TicketWatcher.objects.count(),
    )
    with pytest.raises(TicketError) as refused:
        services.ticket_merge(ticket_id=duplicate.pk, by=agent, into_reference=reference)
    assert refused.value.message
    if case in ("already merged", "into a merged one", "target closed", "duplicate closed"):
        assert isinstance(refused.value, TransitionError)
    after = (
        list(Ticket.objects.order_by("pk").values()),
        TicketEvent.objects.count(),
        Comment.objects.count(),
        TicketWatcher.objects.count(),
    )
    assert after == before


@pytest.mark.parametrize("who", ["requester", "agent below the target", "agent below the duplicate"])
def test_only_staff_who_act_at_both_levels_merge(who):
    duplicate, target = TicketFactory(level=1), TicketFactory(level=3)
    if who == "agent below the duplicate":
        duplicate, target = target, duplicate
    by = duplicate.requester if who == "requester" else make_agent(1)
    with pytest.raises(NotAllowedError):
        services.ticket_merge(ticket_id=duplicate.pk, by=by, into_reference=target.reference)
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id is None
    services.ticket_merge(ticket_id=duplicate.pk, by=make_supervisor(), into_reference=target.reference)
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id == target.pk


def test_a_timer_running_on_both_tickets_stops_the_merge():
    agent = make_agent(1)
    duplicate, target = TicketFactory(status=Status.OPEN), TicketFactory(status=Status.OPEN)
    for ticket in (duplicate, target):
        services.timer_start(ticket_id=ticket.pk, by=agent)
    with pytest.raises(TransitionError):
        services.ticket_merge(ticket_id=duplicate.pk, by=agent, into_reference=target.reference)
    assert TimeEntry.objects.filter(ticket=duplicate).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_crossed_merges_at_once_end_with_one_merge_and_no_deadlock():
    """A into B and B into A at the same moment: the tickets are locked in id order, so
    one waits for the other, and the second is refused (its target was merged)."""
    agent = make_agent(1)
    first, second = TicketFactory(status=Status.OPEN), TicketFactory(status=Status.OPEN)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def merge(duplicate, target):
        try:
            barrier.wait(timeout=10)
            services.ticket_merge(ticket_id=duplicate.pk, by=agent, into_reference=target.reference)
            outcomes.append("merged")
        except TransitionError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=merge, args=(first, second)),
        threading.Thread(target=merge, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["merged", "refused"]
    merged = Ticket.objects.filter(merged_into__isnull=False)
    assert merged.count() == 1
    assert Ticket.objects.filter(pk__in=[first.pk, second.pk], status=Status.CLOSED).count() == 1
