from contextlib import nullcontext

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction

from notifications.choices import NotificationChannel, NotificationKind, NotificationStatus
from notifications.models import Notification
from tests.factories import TicketFactory, category, make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import EventKind, Impact, Priority, Status, Urgency
from tickets.exceptions import NotAllowedError, TicketError, TransitionError
from tickets.models import Attachment, Comment, Ticket, TicketEvent
from tickets.services import comment_add, lifecycle, tickets_erase

pytestmark = pytest.mark.django_db


def file_ticket(requester=None, **kwargs):
    defaults = {
        "requester": requester or make_requester(),
        "subject": "Printer jams",
        "description": "Every page jams.",
        "urgency": Urgency.MEDIUM,
    }
    return services.ticket_create(**{**defaults, **kwargs})


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [
        (Impact.HIGH, Urgency.HIGH, Priority.P1),
        (Impact.HIGH, Urgency.MEDIUM, Priority.P2),
        (Impact.MEDIUM, Urgency.HIGH, Priority.P2),
        (Impact.MEDIUM, Urgency.MEDIUM, Priority.P3),
        (Impact.LOW, Urgency.HIGH, Priority.P3),
        (Impact.HIGH, Urgency.LOW, Priority.P3),
        (Impact.LOW, Urgency.LOW, Priority.P4),
    ],
)
def test_priority_follows_the_impact_urgency_matrix(impact, urgency, priority):
    ticket = file_ticket(impact=impact, urgency=urgency)
    assert ticket.priority == priority


def test_a_new_ticket_is_routed_by_its_category_and_audited(django_capture_on_commit_callbacks):
    requester = make_requester()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = file_ticket(requester, category=category("Server down"), urgency=Urgency.HIGH)
    assert ticket.level == 2
    assert ticket.impact == Impact.HIGH  # the category's default impact
    assert ticket.priority == Priority.P1
    assert ticket.status == Status.NEW
    assert ticket.reference == f"HD-{ticket.pk:06d}"
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.actor, event.to_value) == (EventKind.CREATED, requester, "2")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [requester.email]
    assert ticket.reference in mail.outbox[0].subject


def test_the_acknowledgement_is_an_outbox_row_written_with_the_ticket():
    ticket = file_ticket()
    row = Notification.objects.get(ticket=ticket)
    assert (row.kind, row.channel, row.status) == (
        NotificationKind.TICKET_CREATED,
        NotificationChannel.EMAIL,
        NotificationStatus.PENDING,
    )
    assert ticket.reference in row.subject


def test_blank_subject_is_refused_and_nothing_is_saved():
    with pytest.raises(TicketError):
        file_ticket(subject="   ")
    assert Ticket.objects.count() == 0
    assert Notification.objects.count() == 0


def test_a_refused_attachment_saves_no_ticket(settings):
    bad = SimpleUploadedFile("tool.exe", b"MZ...", content_type="application/octet-stream")
    with pytest.raises(TicketError, match="not accepted"):
        file_ticket(attachments=[bad])
    assert Ticket.objects.count() == 0


def test_an_oversized_attachment_is_refused(settings):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("log.txt", b"x" * 11, content_type="text/plain")
    with pytest.raises(TicketError, match="limit"):
        file_ticket(attachments=[big])
    assert Ticket.objects.count() == 0


def test_attachments_are_stored_through_the_storage_api(settings):
    upload = SimpleUploadedFile("error.txt", b"stack trace", content_type="text/plain")
    ticket = file_ticket(attachments=[upload])
    attachment = Attachment.objects.get(ticket=ticket)
    assert attachment.original_name == "error.txt"
    assert attachment.size == len(b"stack trace")
    assert attachment.file.storage.exists(attachment.file.name)
    assert attachment.file.read() == b"stack trace"
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ATTACHMENT_ADDED).exists()


def test_a_failure_after_storing_a_file_removes_the_file_and_the_ticket(monkeypatch, settings):
    stored = []
    original = lifecycle.attachments_save

    def save_then_fail(ticket, comment, uploader, files, saved):
        original(ticket, comment, uploader, files, saved)
        stored.extend(saved)
        raise RuntimeError("database went away")

    monkeypatch.setattr(lifecycle, "attachments_save", save_then_fail)
    upload = SimpleUploadedFile("error.txt", b"data", content_type="text/plain")
    with pytest.raises(RuntimeError):
        file_ticket(attachments=[upload])
    assert Ticket.objects.count() == 0
    assert stored and not stored[0].file.storage.exists(stored[0].file.name)


def test_escalation_moves_up_one_level_unassigns_and_notifies_the_next_level(
    django_capture_on_commit_callbacks, sms_outbox
):
    agent1 = make_agent(1)
    agent2 = make_agent(2, phone="+6281200000002")
    agent3 = make_agent(3, phone="+6281200000003")
    ticket = TicketFactory(level=1, impact=Impact.HIGH, urgency=Urgency.HIGH, priority=1, assignee=agent1)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_escalate(ticket_id=ticket.pk, by=agent1, reason="Needs server access")
    ticket.refresh_from_db()
    assert ticket.level == 2
    assert ticket.assignee is None
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ESCALATED)
    assert (event.actor, event.from_value, event.to_value, event.reason) == (agent1, "1", "2", "Needs server access")
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED, to_value="").exists()
    assert [m.to for m in mail.outbox] == [[agent2.email]]
    assert [m.to for m in sms_outbox] == [agent2.phone]
    assert agent3.email not in str([m.to for m in mail.outbox])


def test_a_p3_escalation_sends_email_but_no_sms_by_default(django_capture_on_commit_callbacks, sms_outbox):
    agent1 = make_agent(1)
    make_agent(2, phone="+6281200000002")
    ticket = TicketFactory(level=1, impact=Impact.MEDIUM, urgency=Urgency.MEDIUM, priority=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_escalate(ticket_id=ticket.pk, by=agent1, reason="Network team")
    assert len(mail.outbox) == 1
    assert sms_outbox == []


def test_escalation_without_a_reason_is_refused_and_changes_nothing():
    agent1 = make_agent(1)
    ticket = TicketFactory(level=1)
    with pytest.raises(TicketError, match="why"):
        services.ticket_escalate(ticket_id=ticket.pk, by=agent1, reason="  ")
    ticket.refresh_from_db()
    assert ticket.level == 1
    assert not TicketEvent.objects.filter(ticket=ticket).exists()
    assert not Notification.objects.exists()


def test_escalating_past_level_three_is_refused():
    supervisor = make_supervisor()
    ticket = TicketFactory(level=3)
    with pytest.raises(TransitionError, match="Level III is the last level"):
        services.ticket_escalate(ticket_id=ticket.pk, by=supervisor, reason="more")
    ticket.refresh_from_db()
    assert ticket.level == 3


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_escalating_a_finished_ticket_is_refused(status):
    agent1 = make_agent(1)
    ticket = TicketFactory(level=1, status=status)
    with pytest.raises(TransitionError):
        services.ticket_escalate(ticket_id=ticket.pk, by=agent1, reason="late")
    ticket.refresh_from_db()
    assert ticket.level == 1
    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_an_agent_cannot_act_above_their_level():
    agent1 = make_agent(1)
    ticket = TicketFactory(level=2)
    for action in (
        lambda: services.ticket_escalate(ticket_id=ticket.pk, by=agent1, reason="x"),
        lambda: services.ticket_deescalate(ticket_id=ticket.pk, by=agent1, reason="x"),
        lambda: services.ticket_resolve(ticket_id=ticket.pk, by=agent1, resolution="x"),
        lambda: services.ticket_take(ticket_id=ticket.pk, by=agent1),
        lambda: services.ticket_change_status(ticket_id=ticket.pk, by=agent1, status=Status.PENDING),
        lambda: services.comment_add(ticket_id=ticket.pk, author=agent1, body="hi"),
    ):
        with pytest.raises(NotAllowedError, match="above the levels you work"):
            action()
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status, ticket.assignee_id) == (2, Status.NEW, None)
    assert not TicketEvent.objects.filter(ticket=ticket).exists()
    assert not Comment.objects.exists()


def test_a_higher_level_agent_may_act_on_lower_level_tickets():
    agent2 = make_agent(2)
    ticket = TicketFactory(level=1)
    services.ticket_take(ticket_id=ticket.pk, by=agent2)
    ticket.refresh_from_db()
    assert ticket.assignee == agent2


def test_a_requester_cannot_do_staff_actions():
    requester = make_requester()
    ticket = TicketFactory(requester=requester)
    with pytest.raises(NotAllowedError, match="Only support staff"):
        services.ticket_escalate(ticket_id=ticket.pk, by=requester, reason="hurry")
    with pytest.raises(NotAllowedError):
        services.comment_add(ticket_id=ticket.pk, author=requester, body="secret", internal=True)
    with pytest.raises(NotAllowedError):
        services.comment_add(ticket_id=TicketFactory().pk, author=requester, body="not mine")


def test_de_escalation_needs_a_reason_and_stops_at_level_one(django_capture_on_commit_callbacks):
    agent2 = make_agent(2)
    agent1 = make_agent(1)
    ticket = TicketFactory(level=2, assignee=agent2)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_deescalate(ticket_id=ticket.pk, by=agent2, reason="Password reset only")
    ticket.refresh_from_db()
    assert (ticket.level, ticket.assignee) == (1, None)
    assert [m.to for m in mail.outbox] == [[agent1.email]]
    with pytest.raises(TransitionError, match="first level"):
        services.ticket_deescalate(ticket_id=ticket.pk, by=agent2, reason="again")


def test_taking_a_new_ticket_assigns_and_opens_it():
    agent = make_agent(1)
    ticket = TicketFactory(level=1)
    services.ticket_take(ticket_id=ticket.pk, by=agent)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (agent, Status.OPEN)
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == [EventKind.ASSIGNED, EventKind.STATUS_CHANGED]


def test_assigning_to_someone_outside_the_level_is_refused():
    agent1 = make_agent(1)
    other_level1 = make_agent(1)
    ticket = TicketFactory(level=2)
    supervisor = make_supervisor()
    with pytest.raises(NotAllowedError, match="does not work"):
        services.ticket_assign(ticket_id=ticket.pk, by=supervisor, assignee=other_level1)
    services.ticket_assign(ticket_id=TicketFactory(level=1).pk, by=agent1, assignee=other_level1)


def test_a_staff_reply_is_the_first_response_and_mails_the_requester(django_capture_on_commit_callbacks):
    agent = make_agent(1)
    ticket = TicketFactory(level=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(ticket_id=ticket.pk, author=agent, body="Try restarting it.")
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert ticket.status == Status.OPEN
    assert len(mail.outbox) == 1
    assert "Try restarting it." in mail.outbox[0].body
    assert mail.outbox[0].to == [ticket.requester.email]


def test_an_internal_note_is_not_mailed_and_not_a_first_response(django_capture_on_commit_callbacks):
    agent = make_agent(1)
    ticket = TicketFactory(level=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(ticket_id=ticket.pk, author=agent, body="User is VIP", internal=True)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert mail.outbox == []
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.NOTE_ADDED).exists()


def test_a_requester_reply_reopens_a_pending_ticket():
    requester = make_requester()
    ticket = TicketFactory(requester=requester, status=Status.PENDING)
    services.comment_add(ticket_id=ticket.pk, author=requester, body="Here is the screenshot")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_resolve_confirm_and_reopen_follow_the_lifecycle(django_capture_on_commit_callbacks):
    agent = make_agent(1)
    requester = make_requester()
    ticket = TicketFactory(level=1, requester=requester, status=Status.OPEN)
    with pytest.raises(TicketError):
        services.ticket_resolve(ticket_id=ticket.pk, by=agent, resolution="")
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_resolve(ticket_id=ticket.pk, by=agent, resolution="Replaced the toner.")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == (Status.RESOLVED, "Replaced the toner.")
    assert ticket.resolved_at is not None
    assert "Replaced the toner." in mail.outbox[-1].body
    services.ticket_reopen(ticket_id=ticket.pk, by=requester, reason="Still streaky")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at) == (Status.OPEN, None)
    services.ticket_resolve(ticket_id=ticket.pk, by=agent, resolution="Cleaned the drum.")
    services.ticket_confirm_resolution(ticket_id=ticket.pk, by=requester)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None
    with pytest.raises(TransitionError, match="closed"):
        services.ticket_reopen(ticket_id=ticket.pk, by=requester, reason="again")
    with pytest.raises(TransitionError, match="closed"):
        services.comment_add(ticket_id=ticket.pk, author=requester, body="hello?")
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == [EventKind.RESOLVED, EventKind.REOPENED, EventKind.RESOLVED, EventKind.CLOSED]


def test_manual_status_changes_follow_the_transition_table():
    agent = make_agent(1)
    ticket = TicketFactory(level=1, status=Status.OPEN)
    services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=Status.PENDING, reason="Asked for logs")
    with pytest.raises(TransitionError, match="resolution summary"):
        services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=Status.RESOLVED)
    with pytest.raises(TransitionError):
        services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=Status.CLOSED)
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.STATUS_CHANGED)
    assert (event.from_value, event.to_value, event.reason) == ("open", "pending", "Asked for logs")


def test_reclassifying_recomputes_priority_and_audits_each_field():
    agent = make_agent(1)
    ticket = TicketFactory(level=1, impact=Impact.LOW, urgency=Urgency.LOW, priority=4)
    services.ticket_reclassify(
        ticket_id=ticket.pk, by=agent, impact=Impact.HIGH, urgency=Urgency.HIGH, category=category("Email")
    )
    ticket.refresh_from_db()
    assert ticket.priority == Priority.P1
    fields = set(TicketEvent.objects.filter(ticket=ticket).values_list("field", flat=True))
    assert fields == {"impact", "urgency", "priority", "category"}


def test_audit_events_cannot_be_changed_or_deleted():
    ticket = file_ticket()
    event = TicketEvent.objects.get(ticket=ticket)
    event.reason = "rewritten"
    from tickets.models import AppendOnlyError

    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_a_requester_reply_and_a_reopen_are_mailed_to_the_assignee(django_capture_on_commit_callbacks):
    requester = make_requester()
    agent = make_agent(1)
    ticket = TicketFactory(level=1, requester=requester, assignee=agent, status=Status.OPEN)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(ticket_id=ticket.pk, author=requester, body="It happened again at 10:00")
    assert [m.to for m in mail.outbox] == [[agent.email]]
    assert "It happened again at 10:00" in mail.outbox[0].body
    services.ticket_resolve(ticket_id=ticket.pk, by=agent, resolution="Rebooted")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reopen(ticket_id=ticket.pk, by=requester, reason="Still slow")
    assert [m.to for m in mail.outbox] == [[agent.email]]
    assert "Still slow" in mail.outbox[0].body


def test_a_requester_reply_to_an_unassigned_ticket_mails_nobody(django_capture_on_commit_callbacks):
    requester = make_requester()
    ticket = TicketFactory(level=1, requester=requester)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(ticket_id=ticket.pk, author=requester, body="any news?")
    assert mail.outbox == []


def test_every_change_lands_in_the_audit_trail_with_actor_and_values():
    requester = make_requester()
    agent1, agent2 = make_agent(1), make_agent(2)
    ticket = file_ticket(requester, urgency=Urgency.HIGH)
    steps = [
        (lambda: services.ticket_take(ticket_id=ticket.pk, by=agent1), agent1, EventKind.ASSIGNED),
        (lambda: services.comment_add(ticket_id=ticket.pk, author=agent1, body="hi"), agent1, EventKind.COMMENTED),
        (
            lambda: services.comment_add(ticket_id=ticket.pk, author=agent1, body="n", internal=True),
            agent1,
            EventKind.NOTE_ADDED,
        ),
        (
            lambda: services.ticket_change_status(ticket_id=ticket.pk, by=agent1, status=Status.PENDING),
            agent1,
            EventKind.STATUS_CHANGED,
        ),
        (
            lambda: services.ticket_reclassify(
                ticket_id=ticket.pk, by=agent1, impact=Impact.HIGH, urgency=Urgency.HIGH, category=None
            ),
            agent1,
            EventKind.PRIORITY_CHANGED,
        ),
        (lambda: services.ticket_escalate(ticket_id=ticket.pk, by=agent1, reason="r"), agent1, EventKind.ESCALATED),
        (
            lambda: services.ticket_deescalate(ticket_id=ticket.pk, by=agent2, reason="r"),
            agent2,
            EventKind.DE_ESCALATED,
        ),
        (lambda: services.ticket_resolve(ticket_id=ticket.pk, by=agent1, resolution="x"), agent1, EventKind.RESOLVED),
        (lambda: services.ticket_reopen(ticket_id=ticket.pk, by=requester, reason="no"), requester, EventKind.REOPENED),
        (lambda: services.ticket_resolve(ticket_id=ticket.pk, by=agent1, resolution="y"), agent1, EventKind.RESOLVED),
        (lambda: services.ticket_confirm_resolution(ticket_id=ticket.pk, by=requester), requester, EventKind.CLOSED),
    ]
    for change, actor, kind in steps:
        before = TicketEvent.objects.filter(ticket=ticket).count()
        change()
        new_events = TicketEvent.objects.filter(ticket=ticket).order_by("id")[before:]
        assert new_events, kind
        assert kind in [event.kind for event in new_events]
        assert all(event.actor == actor for event in new_events)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger is PostgreSQL's; SQLite keeps the model's guard"
)
def test_the_database_refuses_to_change_or_delete_an_audit_event_whoever_asks():
    ticket = file_ticket()
    event = TicketEvent.objects.get(ticket=ticket)
    for statement in (
        "UPDATE tickets_ticketevent SET reason = 'rewritten' WHERE id = %s",
        "DELETE FROM tickets_ticketevent WHERE id = %s",
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        TicketEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).delete()
    event.refresh_from_db()
    assert event.reason == "" and Ticket.objects.filter(pk=ticket.pk).exists()


def test_erasing_tickets_takes_their_history_with_them():
    kept, erased = file_ticket(), file_ticket()
    comment_add(ticket_id=erased.pk, author=erased.requester, body="Masih mati.")
    assert tickets_erase(Ticket.objects.filter(pk=erased.pk)) == 1
    assert not TicketEvent.objects.filter(ticket_id=erased.pk).exists()
    assert TicketEvent.objects.filter(ticket=kept).exists()
    # The permission ends with its transaction.
    with pytest.raises(IntegrityError) if connection.vendor == "postgresql" else nullcontext(), transaction.atomic():
        TicketEvent.objects.filter(ticket=kept).delete()
