"""Delivery under injected faults: a worker killed in the middle of a burst, the broker
restarted while tickets are filed over HTTP, an SMS gateway that fails, answers too late or
is down, an SMTP relay that refuses mail or is down.

Real PostgreSQL and Redis, real ``celery worker``, ``celery beat`` and web server
processes, and fake outside services that are real servers counting what they receive
(``tests/fakes/``). No test sleeps for an outcome: each polls a condition with a deadline.
"""

import itertools
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from notifications.choices import NotificationChannel, NotificationKind, NotificationStatus
from notifications.models import Notification
from notifications.services import notification_enqueue
from tests.factories import TicketFactory, category, make_agent, make_requester, make_supervisor
from tests.fakes.sms_gateway import BODY_TEMPLATE, IDEMPOTENCY_HEADER
from tests.integration.test_notifications import PASSWORD, REFERENCE, post_form, signed_in
from tickets import services as ticket_services
from tickets.choices import Impact, Priority, Urgency
from tickets.models import Ticket

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SENT, FAILED, DEAD = NotificationStatus.SENT, NotificationStatus.FAILED, NotificationStatus.DEAD
# Workers run with --concurrency 2 (tests/integration/processes.py): at most two
# notifications are in a worker's hands at any moment.
WORKER_CONCURRENCY = 2
# Retries within a second or so: a failed attempt waits 0.2 s, then 0.4 s, 0.8 s, then
# 1 s at most (each ±20 %), and the sweep hands due rows over twice a second.
FAST_RETRIES = {
    "HELPDESK_NOTIFICATION_RETRY_AFTER": "0.2",
    "HELPDESK_NOTIFICATION_RETRY_MAX": "1",
    "HELPDESK_SWEEP_SECONDS": "0.5",
    "HELPDESK_NOTIFICATION_CLAIM_TIMEOUT": "10",
}


def smtp_env(server) -> dict[str, str]:
    """Worker settings that send mail through the fake relay."""
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(server.port),
        "EMAIL_TIMEOUT": "5",
    }


def sms_gateway_env(gateway, *, timeout: float = 5.0) -> dict[str, str]:
    """Worker settings that send SMS through the fake gateway, each carrying its
    notification's delivery key as the idempotency key."""
    return {
        "SMS_BACKEND": "notifications.sms.http.SmsBackend",
        "SMS_HTTP_URL": gateway.url,
        "SMS_HTTP_BODY_TEMPLATE": BODY_TEMPLATE,
        "SMS_HTTP_IDEMPOTENCY_HEADER": IDEMPOTENCY_HEADER,
        "SMS_HTTP_TIMEOUT": str(timeout),
    }


def message_ids(rows, domain: str) -> dict[str, Notification]:
    """The Message-ID each email row is sent with."""
    return {f"<{row.delivery_key}@{domain}>": row for row in rows}


def email_rows(ticket, count: int, *, prefix: str) -> list[Notification]:
    return Notification.objects.bulk_create(
        Notification(
            kind=NotificationKind.TICKET_CREATED,
            channel=NotificationChannel.EMAIL,
            ticket=ticket,
            recipient=ticket.requester,
            address=f"{prefix}.{number}@example.com",
            subject=f"[{ticket.reference}] We received your request ({number})",
            body_text=f"Message {number} of {count}.",
        )
        for number in range(count)
    )


def sms_rows(tickets, *, first_phone: int) -> list[Notification]:
    """One SMS about each ticket, each to a number of its own."""
    return Notification.objects.bulk_create(
        Notification(
            kind=NotificationKind.ESCALATED,
            channel=NotificationChannel.SMS,
            ticket=ticket,
            address=f"+62812{first_phone + number:07d}",
            body_text=f"{ticket.reference} P1 escalated to Level II: the office is offline.",
        )
        for number, ticket in enumerate(tickets)
    )


def none_dead(rows) -> None:
    dead = list(rows.filter(status=DEAD).values_list("pk", "last_error"))
    assert not dead, f"dead-lettered: {dead}"


# --- 1. a worker killed mid-burst

BURST = 2000
KILL_AFTER_SENT = 300


def test_a_worker_killed_mid_burst_loses_no_mail_and_repeats_only_what_it_could_not_record(
    own_processes, fake_smtp, capsys
):
    ticket = TicketFactory()
    rows = email_rows(ticket, BURST, prefix="burst")
    outbox = Notification.objects.filter(pk__in=[row.pk for row in rows])
    env = own_processes.env(
        **smtp_env(fake_smtp),
        HELPDESK_SWEEP_SECONDS="3",
        # A claim older than this was a worker's that died: the sweep hands the row over again.
        HELPDESK_NOTIFICATION_CLAIM_TIMEOUT="5",
        # How long a fresh row is left to its first hand-over (the default). A message the
        # killed worker had fetched but not claimed is lost with it, and its row waits this
        # long for the sweep. The sweep cannot tell such a row from one whose message is
        # still queued, so it publishes a second message for every pending row older than
        # this (up to 1000 a sweep); shorter than the drain, it would bury the queue in
        # redundant tasks.
        HELPDESK_NOTIFICATION_RETRY_AFTER="20",
    )
    doomed = own_processes.worker("doomed", env=env)

    assert notification_enqueue([(row.pk, row.channel) for row in rows]) == BURST
    own_processes.wait_for(
        lambda: outbox.filter(status=SENT).count() >= KILL_AFTER_SENT, timeout=60, what="the burst to be under way"
    )
    own_processes.kill(doomed)
    sent_by_the_doomed = outbox.filter(status=SENT).count()
    assert KILL_AFTER_SENT <= sent_by_the_doomed < BURST, "the kill did not land in the middle of the burst"

    own_processes.worker("survivor", env=env)
    own_processes.beat(env=env)
    own_processes.wait_for(
        lambda: not outbox.exclude(status=SENT).exists(), timeout=90, what="every notification of the burst to be sent"
    )

    expected = message_ids(outbox, own_processes.mail_domain)
    received = fake_smtp.message_ids()
    assert set(received) == set(expected), "a notification never reached the relay, or a stranger did"
    # The one window no outbox closes: the relay took a message and the worker died before
    # it recorded that. The survivor sends it again with the same Message-ID, so mail
    # systems that drop repeated Message-IDs show it once.
    repeated = {message_id: count for message_id, count in received.items() if count > 1}
    retried = set(outbox.filter(attempts__gte=2).values_list("pk", flat=True))
    assert len(retried) <= WORKER_CONCURRENCY, "more rows were claimed twice than the killed worker held"
    assert not outbox.filter(attempts__gt=2).exists()
    assert set(repeated.values()) <= {2}
    assert {expected[message_id].pk for message_id in repeated} <= retried
    for mail in fake_smtp.received():
        assert mail.to == (expected[mail.message_id].address,)
    with capsys.disabled():
        print(
            f"\n[kill -9 mid-burst] sent before the kill: {sent_by_the_doomed}/{BURST}; rows claimed twice: "
            f"{len(retried)}; Message-IDs the relay received twice: {len(repeated)}; SMTP connections: "
            f"{fake_smtp.stats()['connections']}"
        )


# --- 2. the broker restarted while tickets are filed over HTTP

TICKETS = 200
CLIENTS = 4
BROKER_STOPS_AFTER = 60  # tickets filed
BROKER_STARTS_AFTER = 140


def test_tickets_filed_over_http_while_the_broker_restarts_are_all_saved_and_acknowledged(
    own_processes, fake_smtp, capsys
):
    broker = own_processes.redis_server()
    env = own_processes.env(
        CELERY_BROKER_URL=broker.url,
        **smtp_env(fake_smtp),
        HELPDESK_SWEEP_SECONDS="1",
        HELPDESK_NOTIFICATION_RETRY_AFTER="2",
        HELPDESK_NOTIFICATION_CLAIM_TIMEOUT="10",
    )
    web = own_processes.web_server(env=env)
    # Supervised: celery 5.7.0 workers can die when the broker goes away with a message in
    # hand (AttributeError in kombu's redis transport while it restores unacknowledged
    # messages); a deployment's restart policy starts them again, and so does the test.
    own_processes.worker("restart", env=env, supervised=True)
    own_processes.beat(env=env, supervised=True)
    # The web server checks passwords with its own (production) hashers.
    password = PBKDF2PasswordHasher().encode(PASSWORD, "faultsalt")
    requesters = [make_requester(username=f"filer{number}") for number in range(CLIENTS)]
    for requester in requesters:
        requester.password = password
        requester.save(update_fields=["password"])
    email_category = category("Email").pk
    new_ticket_url = f"{web.url}/tickets/new/"
    broker_down = threading.Event()
    numbers = itertools.count()
    results: list[dict] = []
    results_lock = threading.Lock()

    def file_tickets(requester) -> None:
        session = signed_in(web.url, requester)
        while (number := next(numbers)) < TICKETS:
            down_before = broker_down.is_set()
            started = time.monotonic()
            response = post_form(
                session,
                new_ticket_url,
                {
                    "subject": f"Printer {number} on floor 3 jams",
                    "category": email_category,
                    "impact": Impact.LOW,
                    "urgency": Urgency.MEDIUM,
                    "description": "It jams on every page since this morning.",
                },
                multipart=True,
            )
            with results_lock:
                results.append(
                    {
                        "status": response.status_code,
                        "location": response.headers.get("Location", ""),
                        "seconds": time.monotonic() - started,
                        "broker_down": down_before and broker_down.is_set(),
                    }
                )

    with ThreadPoolExecutor(CLIENTS) as clients:
        filing = [clients.submit(file_tickets, requester) for requester in requesters]
        own_processes.wait_for(lambda: len(results) >= BROKER_STOPS_AFTER, timeout=60, what="tickets to be filed")
        broker.stop()
        broker_down.set()
        own_processes.wait_for(
            lambda: len(results) >= BROKER_STARTS_AFTER, timeout=90, what="tickets to be filed without a broker"
        )
        broker_down.clear()
        broker.start()
        for client in filing:
            client.result(timeout=120)

    assert [result["status"] for result in results] == [302] * TICKETS
    references = {REFERENCE.search(result["location"]).group(0) for result in results}
    filed = Ticket.objects.filter(requester__in=requesters)
    assert {ticket.reference for ticket in filed} == references and len(references) == TICKETS
    while_down = [result["seconds"] for result in results if result["broker_down"]]
    assert len(while_down) >= 30, "too few tickets were filed while the broker was down"
    assert web.log.count("stay pending for the sweep") >= len(while_down)

    acknowledgements = Notification.objects.filter(ticket__in=filed, kind=NotificationKind.TICKET_CREATED)
    own_processes.wait_for(
        lambda: acknowledgements.filter(status=SENT).count() == TICKETS,
        timeout=90,
        what="every acknowledgement to be sent",
    )
    assert acknowledgements.count() == TICKETS
    received = fake_smtp.message_ids()
    assert set(received) == set(message_ids(acknowledgements, own_processes.mail_domain))
    # A worker that died with mail in hand may send it again (same Message-ID); one that
    # did not die sends each acknowledgement once.
    repeated = [message_id for message_id, count in received.items() if count > 1]
    assert len(repeated) <= WORKER_CONCURRENCY * len(own_processes.restarts), repeated
    while_up = [result["seconds"] for result in results if not result["broker_down"]]
    with capsys.disabled():
        print(
            f"\n[broker restart] {len(while_down)} of {TICKETS} tickets filed with the broker down; POST median "
            f"{statistics.median(while_down):.2f} s, max {max(while_down):.2f} s (broker up: median "
            f"{statistics.median(while_up):.2f} s, max {max(while_up):.2f} s); processes restarted: "
            f"{own_processes.restarts or 'none'}"
        )


# --- 3. an SMS gateway that fails

SMS_BURST = 100
GATEWAY_FAILS = 0.5
GATEWAY_TIMES_OUT = 0.1
# An attempt is recorded as failed when the gateway answers 503 (half the calls) or
# answers later than the worker waits (a tenth: it has taken the message by then), so a
# row is dead-lettered only if all its attempts fail: 0.6 ** 40 ≈ 1.3e-9 per row, at most
# 100 × 1.3e-9 ≈ 1.3e-7 for the burst. Meanwhile the chance that none of the ~250 calls
# times out (so no retry would meet an idempotency key already used) is 0.9 ** 250 < 1e-11.
GENEROUS_ATTEMPTS = "40"


def test_an_sms_gateway_failing_half_the_calls_and_timing_out_on_a_tenth_gets_every_sms_once(
    own_processes, fake_sms_gateway
):
    fake_sms_gateway.behave(fail=GATEWAY_FAILS, time_out=GATEWAY_TIMES_OUT)
    tickets = TicketFactory.create_batch(5)
    rows = sms_rows(tickets * (SMS_BURST // len(tickets)), first_phone=1000)
    outbox = Notification.objects.filter(pk__in=[row.pk for row in rows])
    # The gateway answers a "timed out" call after 1 s; the worker waits 0.3 s.
    env = own_processes.env(
        **sms_gateway_env(fake_sms_gateway, timeout=0.3),
        **FAST_RETRIES,
        HELPDESK_NOTIFICATION_MAX_ATTEMPTS=GENEROUS_ATTEMPTS,
    )
    own_processes.worker("flaky", env=env)
    own_processes.beat(env=env)

    assert notification_enqueue([(row.pk, row.channel) for row in rows]) == SMS_BURST

    def all_sent() -> bool:
        none_dead(outbox)
        return not outbox.exclude(status=SENT).exists()

    own_processes.wait_for(all_sent, timeout=90, what="every SMS to be sent")
    calls, deliveries = fake_sms_gateway.calls(), fake_sms_gateway.deliveries()
    outcomes = Counter(call.outcome for call in calls)
    assert outcomes["failed"] > 0 and outcomes["timed_out"] > 0
    assert len(calls) == sum(outbox.values_list("attempts", flat=True)) > SMS_BURST
    assert sorted(delivery.to for delivery in deliveries) == sorted(row.address for row in rows)
    delivered = {delivery.key: delivery for delivery in deliveries}
    for row in outbox:
        # Every attempt carried the same key; the row keeps the id of the one delivery,
        # even when the attempt that succeeded was a repeat the gateway recognised.
        assert {call.key for call in calls if call.to == row.address} == {row.delivery_key}
        assert row.provider_id == delivered[row.delivery_key].message_id
    assert outbox.filter(attempts__gte=2).exists()


def test_sms_to_a_gateway_that_always_fails_are_dead_lettered_and_shown_to_supervisors(
    own_processes, fake_sms_gateway, live_server
):
    fake_sms_gateway.behave(always_fail=True)
    tickets = TicketFactory.create_batch(3)
    rows = sms_rows(tickets, first_phone=2000)
    outbox = Notification.objects.filter(pk__in=[row.pk for row in rows])
    env = own_processes.env(**sms_gateway_env(fake_sms_gateway), **FAST_RETRIES, HELPDESK_NOTIFICATION_MAX_ATTEMPTS="3")
    own_processes.worker("hopeless", env=env)
    own_processes.beat(env=env)

    assert notification_enqueue([(row.pk, row.channel) for row in rows]) == len(rows)

    own_processes.wait_for(
        lambda: outbox.filter(status=DEAD).count() == len(rows), timeout=60, what="every SMS to be dead-lettered"
    )
    assert list(outbox.values_list("attempts", flat=True)) == [3] * len(rows)
    assert fake_sms_gateway.deliveries() == []
    assert len(fake_sms_gateway.calls()) == 3 * len(rows)
    for row in outbox:
        assert row.last_error.startswith("NotificationError: SMS gateway answered 503"), row.last_error

    session = signed_in(live_server.url, make_supervisor())
    for query in ("?status=dead", ""):
        page = session.get(f"{live_server.url}/notifications/{query}", timeout=10)
        assert page.status_code == 200
        for ticket in tickets:
            assert f">{ticket.reference}</a>" in page.text
        assert page.text.count("SMS gateway answered 503") == len(rows)
        assert page.text.count("upstream carrier unavailable") == len(rows)
    assert f'data-testid="count-dead">{len(rows)}<' in page.text


# --- 4. email and SMS of one event do not wait for each other

# Each outage lasts until every row has failed twice (about a second): ten attempts
# leave a wide margin before a row would be dead-lettered.
OUTAGE_ATTEMPTS = {"HELPDESK_NOTIFICATION_MAX_ATTEMPTS": "10"}


@pytest.fixture
def p1_escalation():
    """A P1 ticket at Level I about to be escalated by a Level I agent to three Level II
    agents, who by default hear of it by email and by SMS."""
    ticket = TicketFactory(impact=Impact.HIGH, urgency=Urgency.HIGH)
    assert ticket.priority == Priority.P1
    agents = [make_agent(2, phone=f"+62812000002{number:02d}") for number in range(3)]
    return ticket, make_agent(1), agents


def escalate(ticket, by):
    ticket_services.ticket_escalate(ticket_id=ticket.pk, by=by, reason="The core switch is down; needs Level II.")
    notifications = Notification.objects.filter(ticket=ticket, kind=NotificationKind.ESCALATED)
    return notifications.filter(channel=NotificationChannel.EMAIL), notifications.filter(
        channel=NotificationChannel.SMS
    )


def failed_twice(rows) -> bool:
    """Every row has failed at least twice and waits for its next attempt (``attempts``
    counts claims, so a row being sent again is not counted until that attempt fails)."""
    return rows.exists() and rows.filter(status=FAILED, attempts__gte=2).count() == rows.count()


@pytest.mark.parametrize("outage", ["refusing", "down"])
def test_email_waits_for_the_relay_while_the_sms_of_the_same_escalation_go_out(
    outage, own_processes, fake_smtp, fake_sms_gateway, p1_escalation
):
    ticket, level_one, agents = p1_escalation
    env = own_processes.env(
        **smtp_env(fake_smtp), **sms_gateway_env(fake_sms_gateway), **FAST_RETRIES, **OUTAGE_ATTEMPTS
    )
    own_processes.worker("mail-out", env=env)
    own_processes.beat(env=env)
    if outage == "refusing":
        fake_smtp.refuse()  # 451: try again later
    else:
        fake_smtp.stop()

    emails, sms = escalate(ticket, level_one)

    assert (emails.count(), sms.count()) == (len(agents), len(agents))
    own_processes.wait_for(lambda: not sms.exclude(status=SENT).exists(), what="the SMS to be sent")
    own_processes.wait_for(lambda: failed_twice(emails), what="the emails to fail twice")
    none_dead(emails)
    assert sorted(delivery.to for delivery in fake_sms_gateway.deliveries()) == sorted(
        sms.values_list("address", flat=True)
    )
    assert fake_smtp.received() == []
    if outage == "refusing":
        assert fake_smtp.refused >= 2 * len(agents)
        fake_smtp.accept()
    else:
        fake_smtp.start()

    own_processes.wait_for(lambda: not emails.exclude(status=SENT).exists(), what="the emails to be sent")
    assert fake_smtp.message_ids() == Counter(dict.fromkeys(message_ids(emails, own_processes.mail_domain), 1))
    assert sorted(mail.to[0] for mail in fake_smtp.received()) == sorted(emails.values_list("address", flat=True))
    assert len(fake_sms_gateway.deliveries()) == len(agents)


@pytest.mark.parametrize("outage", ["failing", "down"])
def test_sms_wait_for_the_gateway_while_the_email_of_the_same_escalation_goes_out(
    outage, own_processes, fake_smtp, fake_sms_gateway, p1_escalation
):
    ticket, level_one, agents = p1_escalation
    env = own_processes.env(
        **smtp_env(fake_smtp), **sms_gateway_env(fake_sms_gateway), **FAST_RETRIES, **OUTAGE_ATTEMPTS
    )
    own_processes.worker("sms-out", env=env)
    own_processes.beat(env=env)
    if outage == "failing":
        fake_sms_gateway.behave(always_fail=True)
    else:
        fake_sms_gateway.stop()

    emails, sms = escalate(ticket, level_one)

    assert (emails.count(), sms.count()) == (len(agents), len(agents))
    own_processes.wait_for(lambda: not emails.exclude(status=SENT).exists(), what="the emails to be sent")
    own_processes.wait_for(lambda: failed_twice(sms), what="the SMS to fail twice")
    none_dead(sms)
    assert fake_smtp.message_ids() == Counter(dict.fromkeys(message_ids(emails, own_processes.mail_domain), 1))
    assert fake_sms_gateway.deliveries() == []
    if outage == "failing":
        assert len(fake_sms_gateway.calls()) >= 2 * len(agents)
        fake_sms_gateway.behave()
    else:
        fake_sms_gateway.start()

    own_processes.wait_for(lambda: not sms.exclude(status=SENT).exists(), what="the SMS to be sent")
    assert sorted(delivery.to for delivery in fake_sms_gateway.deliveries()) == sorted(
        sms.values_list("address", flat=True)
    )
    assert len(fake_smtp.received()) == len(agents)
