"""A P1 page through the real parts: beat's sweep records the breach, a real worker sends
the page through the HTTP SMS gateway (the fake on 127.0.0.1) and sends it again while
nobody answers; the agent answers ``ACK HD-…`` by SMS, which the gateway posts to the
helpdesk's web server; that page's repeats stop, another ticket's page goes on."""

import uuid
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from escalation.models import EscalationRule, Page
from notifications.choices import NotificationChannel
from notifications.models import Notification
from tests.factories import make_agent, make_requester
from tests.integration.test_delivery_faults import sms_gateway_env
from tests.integration.test_sla import history_moved_back
from tickets import services
from tickets.choices import EventKind, Impact, Urgency
from tickets.models import TicketEvent

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SECRET = "gateway-shared-secret"
# Seconds between repeats (the setting is in minutes).
REPEAT_SECONDS = 2


def _p1(requester):
    ticket = services.ticket_create(
        requester=requester,
        subject="Core switch down",
        description="All floors",
        impact=Impact.HIGH,
        urgency=Urgency.HIGH,
    )
    return history_moved_back(ticket, by=timedelta(days=30))


def _texts(gateway, number: str, reference: str) -> list[str]:
    return [d.body for d in gateway.deliveries() if d.to == number and reference in d.body]


def test_a_p1_page_repeats_until_the_agent_answers_ack_by_sms(own_processes, fake_sms_gateway):
    # Only the breach pages here: the rules that would also escalate are switched off.
    EscalationRule.objects.update(is_active=False)
    agent = make_agent(1, phone="+6281200000001", language="en")
    requester = make_requester()
    env = own_processes.env(
        **sms_gateway_env(fake_sms_gateway),
        HELPDESK_SLA_SWEEP_SECONDS="1",
        HELPDESK_PAGE_REPEAT_MINUTES=str(REPEAT_SECONDS / 60),
        HELPDESK_PAGE_REPEAT_LIMIT="100",
        HELPDESK_SMS_INBOUND_SECRET=SECRET,
    )
    own_processes.worker("pages", env=env)
    own_processes.beat(env=env)
    web = own_processes.web_server(env=env)
    answered, control = _p1(requester), _p1(requester)

    ack_line = f"Reply ACK {answered.reference} to acknowledge."
    own_processes.wait_for(
        lambda: any(text.startswith("Repeat 1:") for text in _texts(fake_sms_gateway, agent.phone, answered.reference)),
        timeout=30,
        what="the page and its first repeat to reach the agent's phone",
    )
    first = _texts(fake_sms_gateway, agent.phone, answered.reference)
    assert all(ack_line in text for text in first) and "SLA BREACH P1" in first[0]

    response = requests.post(
        f"{web.url}/inbound/sms/",
        json={"from": "0812-0000-0001", "text": f"ack {answered.reference}", "id": uuid.uuid4().hex},
        headers={"Authorization": f"Bearer {SECRET}"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["reply"] == f"Page for {answered.reference} acknowledged. Thank you."
    acknowledged_at = timezone.now()
    assert not Page.objects.filter(ticket=answered, acknowledged_at__isnull=True).exists()
    assert TicketEvent.objects.filter(ticket=answered, kind=EventKind.PAGE_ACKNOWLEDGED, actor=agent).count() == 1

    # The other ticket's page goes on for two more repeats; the answered one's has stopped.
    before = Page.objects.filter(ticket=control).values_list("repeats_sent", flat=True)
    target = max(before) + 2
    own_processes.wait_for(
        lambda: max(Page.objects.filter(ticket=control).values_list("repeats_sent", flat=True)) >= target,
        timeout=30,
        what="the unanswered page to be repeated twice more",
    )
    assert not Notification.objects.filter(
        ticket=answered, channel=NotificationChannel.SMS, created_at__gt=acknowledged_at
    ).exists()
    # Every page SMS written reached the gateway once (idempotency keys): nothing lost or doubled.
    rows = Notification.objects.filter(ticket=answered, channel=NotificationChannel.SMS, address=agent.phone)
    own_processes.wait_for(
        lambda: len(_texts(fake_sms_gateway, agent.phone, answered.reference)) == rows.count(),
        timeout=15,
        what="every SMS about the answered ticket to be delivered",
    )
