"""SLA thresholds crossed on the real clock: beat sweeps every second and two workers race.

A ticket's history is moved back so that a threshold falls a couple of seconds ahead;
when it passes, beat's sweep and a burst of sweeps sent by hand run at once on both
workers. Each threshold must be recorded once and each person told once.
"""

from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from escalation.tasks import sla_sweep
from notifications.choices import NotificationChannel, NotificationKind, NotificationStatus
from notifications.models import Notification
from sla.choices import SlaMetric, SlaThreshold
from sla.models import SlaClock, SlaEvent
from tests.factories import make_agent, make_requester, make_supervisor
from tickets import services as ticket_services
from tickets.choices import Impact, Priority, Urgency
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_sla_refresh as sla_refresh

from .processes import WorkersAndBeat

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# How far ahead of now a threshold is put: time to get ready for the race, and no more.
LEAD = timedelta(seconds=2)
# Sweeps sent by hand the moment a threshold passes, on top of beat's: one per worker thread.
RACING_SWEEPS = 4
# Sweeps beat must publish once everything has settled, to show that they add nothing.
QUIET_SWEEPS = 3
SLA_SWEEP = "escalation.tasks.sla_sweep"
SLA_NOTIFY = "escalation.tasks.sla_notify"
NOTIFICATION_SWEEP = "escalation.tasks.notification_sweep"
# How each kind of SLA email is told apart by its subject (templates/emails/sla_*_subject.txt).
SUBJECT_SAYS = {"SLA warning": NotificationKind.SLA_WARNING, "SLA BREACHED": NotificationKind.SLA_BREACH}
SLA_KINDS = [NotificationKind.SLA_WARNING, NotificationKind.SLA_BREACH]


def history_moved_back(ticket: Ticket, *, by: timedelta) -> Ticket:
    """The ticket as if filed ``by`` earlier: its filing time, its arrival at its level
    and every event of its history move back, and its SLA times are recomputed from that
    history, under the ticket's row lock as the ticket services do it. Rewriting the audit
    trail is what the database refuses to anyone (tickets/0014): the test, connected as
    PostgreSQL's superuser, sets its triggers aside for this one transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        Ticket.objects.select_for_update().get(pk=ticket.pk)
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=F("created_at") - by, level_entered_at=F("level_entered_at") - by
        )
        TicketEvent.objects.filter(ticket=ticket).update(created_at=F("created_at") - by)
        ticket = Ticket.objects.get(pk=ticket.pk)
        sla_refresh(ticket=ticket)
    return ticket


def threshold_moved_to(ticket: Ticket, column: str, *, at: datetime) -> Ticket:
    """The ticket with its history moved back so that the threshold in ``column`` falls at ``at``."""
    ticket = history_moved_back(ticket, by=getattr(ticket, column) - at)
    assert getattr(ticket, column) == at
    return ticket


def sweeps_raced_once_passed(cluster: WorkersAndBeat, instant: datetime) -> list[str]:
    """Once ``instant`` has passed, send a burst of SLA sweeps for the two workers to run
    side by side with beat's; the ids of the sweeps sent."""
    cluster.wait_for(
        lambda: timezone.now() >= instant, timeout=LEAD.total_seconds() + 5, what="the threshold to be passed"
    )
    return [sla_sweep.delay().id for _sweep in range(RACING_SWEEPS)]


def finished(cluster: WorkersAndBeat, task_ids: list[str]) -> bool:
    return len(cluster.task_results(*task_ids)) == len(task_ids)


def sla_notifications_sent(ticket: Ticket, count: int) -> bool:
    """The ticket has exactly ``count`` SLA notification rows, and all were sent."""
    rows = Notification.objects.filter(ticket=ticket, kind__in=SLA_KINDS)
    return rows.count() == count and not rows.exclude(status=NotificationStatus.SENT).exists()


def mail_received(cluster: WorkersAndBeat, ticket: Ticket) -> Counter:
    """How many emails about the ticket each address received, by kind."""
    received: Counter = Counter()
    for message in cluster.emails(reference=ticket.reference):
        subject = message["Subject"]
        kinds = [kind for text, kind in SUBJECT_SAYS.items() if text in subject] or [f"unexpected: {subject}"]
        received[(message["To"], *kinds)] += 1
    return received


def sms_received(cluster: WorkersAndBeat, ticket: Ticket) -> Counter:
    """How many SMS naming the ticket each number received."""
    return Counter(record["to"] for record in cluster.sms() if ticket.reference in record["body"])


def sla_events(ticket: Ticket) -> Counter:
    return Counter(SlaEvent.objects.filter(ticket=ticket).values_list("metric", "threshold"))


def sla_notification_rows(ticket: Ticket) -> Counter:
    return Counter(
        Notification.objects.filter(ticket=ticket, kind__in=SLA_KINDS).values_list(
            "kind", "channel", "address", "status", "attempts"
        )
    )


def total(returns_per_worker: list[list[str]]) -> int:
    return sum(int(value) for returns in returns_per_worker for value in returns)


def test_a_p1_ticket_crossing_its_warning_then_its_breach_tells_each_person_once_while_two_workers_race(
    two_workers_and_beat,
):
    cluster = two_workers_and_beat
    assignee = make_agent(1, phone="+6281200000001")
    colleague = make_agent(1, phone="+6281200000002")
    supervisor = make_supervisor(phone="+6281200000009")
    ticket = ticket_services.ticket_create(
        requester=make_requester(),
        subject="The core switch is down",
        description="Floors 2 to 5 cannot reach anything.",
        impact=Impact.HIGH,
        urgency=Urgency.HIGH,
    )
    ticket = ticket_services.ticket_take(ticket_id=ticket.pk, by=assignee)
    assert ticket.priority == Priority.P1
    # The P1 policy runs around the clock, so moving the history moves every threshold alike.
    assert ticket.first_response_warn1_at - ticket.created_at == timedelta(minutes=7, seconds=30)
    assert ticket.first_response_due_at - ticket.created_at == timedelta(minutes=15)
    cluster.wait_for(
        lambda: Notification.objects.filter(ticket=ticket, status=NotificationStatus.SENT).exists(),
        what="the acknowledgement to the requester",
    )
    assert not Notification.objects.filter(ticket=ticket).exclude(kind=NotificationKind.TICKET_CREATED).exists()
    cluster.workers[0].clear_outbox()

    # The first warning of the first response comes due.
    ticket = threshold_moved_to(ticket, "first_response_warn1_at", at=timezone.now() + LEAD)
    assert SlaClock.objects.get(ticket=ticket).next_check_at == ticket.first_response_warn1_at
    racing = sweeps_raced_once_passed(cluster, ticket.first_response_warn1_at)
    cluster.wait_for(
        lambda: finished(cluster, racing) and sla_notifications_sent(ticket, 1) and mail_received(cluster, ticket),
        what="the first warning to be recorded and delivered",
    )

    assert mail_received(cluster, ticket) == Counter({(assignee.email, NotificationKind.SLA_WARNING): 1})
    assert sms_received(cluster, ticket) == Counter()
    assert sla_events(ticket) == Counter({(SlaMetric.FIRST_RESPONSE, SlaThreshold.WARNING_1): 1})

    # Later, the breach comes due; the second warning, already past, is crossed on the way.
    ticket = threshold_moved_to(ticket, "first_response_due_at", at=timezone.now() + LEAD)
    assert ticket.first_response_warn2_at < timezone.now() < ticket.first_response_due_at
    racing = sweeps_raced_once_passed(cluster, ticket.first_response_due_at)
    cluster.wait_for(
        lambda: finished(cluster, racing) and sla_notifications_sent(ticket, 6) and len(cluster.sms()) == 2,
        what="the second warning and the breach to be recorded and delivered",
    )

    # Everything has settled: beat sweeps a few more times, and sweeps sent by hand join in.
    settled = cluster.checkpoint()
    sla_sweeps_sent = cluster.beat.sends("sla-sweep")
    notification_sweeps_sent = cluster.beat.sends("notification-sweep")
    late = [sla_sweep.delay().id for _sweep in range(RACING_SWEEPS)]
    cluster.wait_for(
        lambda: (
            cluster.beat.sends("sla-sweep") >= sla_sweeps_sent + QUIET_SWEEPS
            and cluster.beat.sends("notification-sweep") > notification_sweeps_sent
        ),
        what="beat to publish more SLA sweeps and an outbox sweep",
    )
    cluster.wait_for(
        lambda: (
            finished(cluster, late)
            and sum(map(len, cluster.task_returns(SLA_SWEEP, after=settled))) >= len(late) + QUIET_SWEEPS
            and sum(map(len, cluster.task_returns(NOTIFICATION_SWEEP, after=settled))) >= 1
        ),
        what="the workers to run those sweeps",
    )
    assert total(cluster.task_returns(SLA_SWEEP, after=settled)) == 0
    assert total(cluster.task_returns(NOTIFICATION_SWEEP, after=settled)) == 0

    # What people received: one email per person per threshold (the assignee's first
    # warning was counted alone above, so the second here is the second warning's), and
    # one breach SMS each.
    assert mail_received(cluster, ticket) == Counter(
        {
            (assignee.email, NotificationKind.SLA_WARNING): 2,
            (assignee.email, NotificationKind.SLA_BREACH): 1,
            (supervisor.email, NotificationKind.SLA_BREACH): 1,
        }
    )
    assert sms_received(cluster, ticket) == Counter({assignee.phone: 1, supervisor.phone: 1})
    assert colleague.email not in {message["To"] for message in cluster.emails()}
    # What the database says: each threshold recorded and notified once, each row sent on
    # its first attempt, and every email delivered is one of those rows.
    assert sla_events(ticket) == Counter(
        {
            (SlaMetric.FIRST_RESPONSE, SlaThreshold.WARNING_1): 1,
            (SlaMetric.FIRST_RESPONSE, SlaThreshold.WARNING_2): 1,
            (SlaMetric.FIRST_RESPONSE, SlaThreshold.BREACHED): 1,
        }
    )
    assert not SlaEvent.objects.filter(ticket=ticket, notified_at__isnull=True).exists()
    sent = NotificationStatus.SENT
    email, sms = NotificationChannel.EMAIL, NotificationChannel.SMS
    assert sla_notification_rows(ticket) == Counter(
        {
            (NotificationKind.SLA_WARNING, email, assignee.email, sent, 1): 2,
            (NotificationKind.SLA_BREACH, email, assignee.email, sent, 1): 1,
            (NotificationKind.SLA_BREACH, sms, assignee.phone, sent, 1): 1,
            (NotificationKind.SLA_BREACH, email, supervisor.email, sent, 1): 1,
            (NotificationKind.SLA_BREACH, sms, supervisor.phone, sent, 1): 1,
        }
    )
    assert sorted(
        Notification.objects.filter(ticket=ticket, channel=email, kind__in=SLA_KINDS).values_list(
            "provider_id", flat=True
        )
    ) == sorted(message["Message-ID"] for message in cluster.emails(reference=ticket.reference))
    # Both workers swept, yet the sweeps recorded three crossings between them and the
    # notification tasks claimed each once.
    sla_sweeps = cluster.task_returns(SLA_SWEEP)
    assert all(sla_sweeps), f"a worker ran no SLA sweep: {sla_sweeps}"
    assert total(sla_sweeps) == 3
    assert total(cluster.task_returns(SLA_NOTIFY)) == 3
