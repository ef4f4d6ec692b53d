"""Alerts in: Alertmanager's and the generic form's payloads become Level II tickets, one
per key; repeats count, flapping reopens, resolving notes and (unworked) resolves."""

import base64
import json
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_create
from alerts.choices import AlertState, DeliveryStatus
from alerts.models import Alert, AlertDelivery
from alerts.services import alert_delivery_process
from assets.models import Asset, TicketAsset
from escalation.models import Page
from notifications.choices import NotificationKind
from notifications.models import Notification
from tests.alerts.conftest import alertmanager, am_alert, resolved, sample
from tests.factories import make_agent, make_requester
from tickets import services as ticket_services
from tickets.choices import Channel, EventKind, Status
from tickets.models import Comment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

AM = "/api/v1/alerts/alertmanager/"
ZABBIX = "/api/v1/alerts/zabbix/"
GENERIC = "/api/v1/alerts/generic/"


def test_a_real_alertmanager_body_opens_one_level_two_ticket_per_alert(post, on_call, monitoring, sms_outbox):
    Asset.objects.create(tag="SRV-1", name="web-01", host_name="WEB-01.example.net")
    response = post(AM, sample("alertmanager_firing.json"))
    assert response.status_code == 202, response.content
    assert response.json()["alerts"] == 2
    down, disk = (Alert.objects.get(key=key).ticket for key in ("5ef77f1f8a3ecfa4", "a1b2c3d4e5f60718"))
    assert down.level == 2 and down.priority == 1 and down.channel == Channel.MONITORING
    assert down.requester == monitoring and down.assignee is None
    assert down.category.name == "Server down"
    assert down.subject == "InstanceDown on web-01.example.net: web-01 is down"
    assert "job=node" in down.description and "prometheus.example.net" in down.description
    assert TicketAsset.objects.filter(ticket=down, asset__tag="SRV-1").exists()
    assert disk.priority == 3 and disk.category is None
    # The P1 pages the Level II agent and the supervisor, once; the P3 pages nobody.
    assert Page.objects.filter(ticket=down, kind=NotificationKind.ALERT_PAGE).count() == 1
    assert not Page.objects.filter(ticket=disk).exists()
    assert sorted(message.to for message in sms_outbox) == ["+6281200000002", "+6281200000009"]
    assert all(down.reference in message.body and "ACK" in message.body for message in sms_outbox)
    assert AlertDelivery.objects.get().status == DeliveryStatus.PROCESSED


def test_repeats_count_and_touch_no_ticket(post, on_call, sms_outbox):
    body = alertmanager(am_alert("f1", severity="critical"))
    post(AM, body)
    ticket = Ticket.objects.get()
    events = TicketEvent.objects.filter(ticket=ticket).count()
    for _ in range(3):
        assert post(AM, body).status_code == 202
    alert = Alert.objects.get()
    assert alert.fire_count == 4 and alert.ticket == ticket
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(ticket=ticket).count() == events
    assert len(sms_outbox) == 2  # the first delivery's page, not one per repeat


def test_one_delivery_repeating_a_key_counts_it_twice(post):
    post(AM, alertmanager(am_alert("f1"), am_alert("f1")))
    assert Alert.objects.get().fire_count == 2 and Ticket.objects.count() == 1


def test_group_mode_opens_one_ticket_per_group(post, settings):
    settings.HELPDESK_ALERTS_GROUP_BY = "group"
    post(AM, alertmanager(am_alert("a"), am_alert("b"), group_key="g1"))
    post(AM, alertmanager(am_alert("c"), group_key="g1"))
    post(AM, alertmanager(am_alert("d"), group_key="g2"))
    assert Ticket.objects.count() == 2
    assert Alert.objects.get(key__startswith="group:", fire_count=2).ticket is not None


def test_a_resolved_alert_on_an_unworked_ticket_resolves_it(post, monitoring):
    body = alertmanager(am_alert("f1"))
    post(AM, body)
    post(AM, resolved(body))
    ticket = Ticket.objects.get()
    assert ticket.status == Status.RESOLVED
    note = Comment.objects.get(ticket=ticket)
    assert note.author == monitoring and "Alertmanager says this alert is resolved at" in note.body
    assert Alert.objects.get().state == AlertState.RESOLVED
    # Said again (the other replica): nothing more.
    post(AM, resolved(body))
    assert Comment.objects.filter(ticket=ticket).count() == 1


def test_a_resolved_alert_on_a_worked_ticket_tells_the_assignee(post):
    agent = make_agent(2)
    body = alertmanager(am_alert("f1"))
    post(AM, body)
    ticket = Ticket.objects.get()
    ticket_services.ticket_take(ticket_id=ticket.pk, by=agent)
    mail.outbox.clear()
    post(AM, resolved(body))
    ticket.refresh_from_db()
    assert ticket.status != Status.RESOLVED
    assert Notification.objects.filter(kind=NotificationKind.REQUESTER_REPLIED, recipient=agent).count() == 1
    assert [message.to for message in mail.outbox] == [[agent.email]]
    # It fires again while the agent works on it: a note, no new ticket.
    post(AM, body)
    assert Ticket.objects.count() == 1
    assert "firing again" in Comment.objects.filter(ticket=ticket).latest("id").body


def test_auto_resolve_can_be_turned_off(post, settings):
    settings.HELPDESK_ALERTS_AUTO_RESOLVE = False
    body = alertmanager(am_alert("f1"))
    post(AM, body)
    post(AM, resolved(body))
    assert Ticket.objects.get().status == Status.NEW


def test_a_flapping_alert_reopens_its_recent_ticket(post, settings, on_call):
    body = alertmanager(am_alert("f1", severity="critical"))
    post(AM, body)
    post(AM, resolved(body))
    ticket = Ticket.objects.get()
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        post(AM, body)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.REOPENED).count() == 1
    assert Page.objects.filter(ticket=ticket).count() == 1
    # Resolved again, and back after the window: a new ticket.
    start = timezone.now()
    with time_machine.travel(start + timedelta(hours=3)):
        post(AM, resolved(body))
    with time_machine.travel(start + timedelta(hours=settings.HELPDESK_ALERTS_REOPEN_HOURS + 4)):
        post(AM, body)
    assert Ticket.objects.count() == 2
    assert Alert.objects.get().ticket != ticket


def test_a_late_older_delivery_changes_nothing(post):
    body = alertmanager(am_alert("f1"))
    post(AM, body)
    later = timezone.now() + timedelta(minutes=5)
    with time_machine.travel(later):
        post(AM, resolved(body))
    assert Ticket.objects.get().status == Status.RESOLVED
    # A firing one received before the resolution, processed after it, is only counted.
    delivery = AlertDelivery.objects.create(
        source="alertmanager", body=json.dumps(body), received_at=later - timedelta(minutes=1)
    )
    alert_delivery_process(delivery_id=delivery.pk)
    assert Ticket.objects.get().status == Status.RESOLVED


@pytest.mark.parametrize(
    ("severity", "priority"),
    [("critical", 1), ("High", 2), ("warning", 3), ("info", 4), ("Disaster", 1), ("Average", 3), ("odd", 3)],
)
def test_severity_maps_to_priority(post, severity, priority):
    post(GENERIC, {"alerts": [{"key": "k", "status": "firing", "name": "X", "severity": severity}]})
    assert Ticket.objects.get().priority == priority


def test_the_severity_mapping_is_configurable(post, settings):
    settings.HELPDESK_ALERTS_SEVERITY_PRIORITIES = "page=1,warning=4"
    post(GENERIC, {"alerts": [{"key": "a", "status": "firing", "name": "A", "severity": "page"}]})
    post(GENERIC, {"alerts": [{"key": "b", "status": "firing", "name": "B", "severity": "warning"}]})
    assert sorted(Ticket.objects.values_list("priority", flat=True)) == [1, 4]


def test_zabbix_form_opens_and_resolves_by_event_id(post):
    problem = {
        "key": "zbx-4711",
        "status": "firing",
        "name": "High CPU utilization",
        "severity": "High",
        "host": "db-01",
        "summary": "CPU over 90% for 5m",
        "labels": {"category": "Server performance"},
    }
    assert post(ZABBIX, {"alerts": [problem]}).status_code == 202
    ticket = Ticket.objects.get()
    assert ticket.priority == 2 and ticket.category.name == "Server performance"
    post(ZABBIX, {"alerts": [{**problem, "status": "resolved"}]})
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert "Zabbix says this alert is resolved" in Comment.objects.get(ticket=ticket).body


def test_hostile_text_is_kept_as_written(post):
    name = "Disk <full> & \"quoted\" 'single' 🔥"
    post(GENERIC, {"alerts": [{"key": "x'<y>", "status": "firing", "name": name, "description": "a\u202eb <i>"}]})
    ticket = Ticket.objects.get()
    assert name in ticket.subject and "ab <i>" in ticket.description
    assert Alert.objects.get().key == "x'<y>"


def test_a_nul_character_is_refused_and_kept(post):
    answer = post(GENERIC, {"alerts": [{"key": "x\u0000y", "status": "firing", "name": "n"}]})
    assert answer.status_code == 400 and "Null characters" in answer.json()["error"]["message"]
    assert "\\u0000" in AlertDelivery.objects.get(status=DeliveryStatus.REFUSED).body


def test_basic_auth_with_the_configured_password_posts_as_the_monitoring_account(settings, client, monitoring):
    settings.HELPDESK_ALERTS_BASIC_PASSWORD = "s3cret"
    good = base64.b64encode(b"alertmanager:s3cret").decode()
    bad = base64.b64encode(b"alertmanager:wrong").decode()
    body = alertmanager(am_alert("f1"))
    answer = client.post(AM, body, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {good}")
    assert answer.status_code == 202
    assert AlertDelivery.objects.get().sender == monitoring
    answer = client.post(AM, body, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {bad}")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "authentication_failed"
    garbage = client.post(AM, body, content_type="application/json", HTTP_AUTHORIZATION="Basic %%%")
    assert garbage.status_code == 401


def test_wrong_basic_passwords_lock_the_address_out_even_for_the_right_one(settings, client, monitoring):
    settings.HELPDESK_ALERTS_BASIC_PASSWORD = "s3cret"
    settings.HELPDESK_API_TOKEN_FAILURE_LIMIT = 3
    good = base64.b64encode(b"alertmanager:s3cret").decode()
    body = alertmanager(am_alert("f1"))
    answers = [
        client.post(AM, body, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {guess}").status_code
        for guess in (base64.b64encode(f"alertmanager:guess{n}".encode()).decode() for n in range(3))
    ]
    locked = client.post(AM, body, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {good}")

    assert answers == [401, 401, 429]
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert not AlertDelivery.objects.exists()


def test_basic_auth_is_off_without_a_password(client):
    good = base64.b64encode(b"alertmanager:").decode()
    answer = client.post(AM, {}, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {good}")
    assert answer.status_code == 401


def test_no_or_a_wrong_token_is_401_and_a_requester_s_token_is_403(client):
    body = alertmanager(am_alert("f1"))
    assert client.post(AM, body, content_type="application/json").status_code == 401
    wrong = client.post(AM, body, content_type="application/json", HTTP_AUTHORIZATION="Bearer hdk_nope")
    assert wrong.status_code == 401
    _token, key = api_token_create(user=make_requester(), name="x")
    requester = APIClient()
    requester.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert requester.post(AM, body, format="json").status_code == 403
    assert not AlertDelivery.objects.exists() and not Ticket.objects.exists()


def test_an_account_given_the_permission_may_post(post):
    robot = make_requester()
    robot.user_permissions.add(Permission.objects.get(codename="post_alerts"))
    _token, key = api_token_create(user=robot, name="zabbix")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert post(ZABBIX, {"alerts": [{"key": "1", "status": "firing", "name": "X"}]}, client=client).status_code == 202
    assert Ticket.objects.get().requester.username == "monitoring"


BAD = [
    ("not json", b"{nope", "application/json"),
    ("empty", b"", "application/json"),
    ("a list", b"[]", "application/json"),
    ("wrong version", b'{"version": "3", "groupKey": "g", "status": "firing", "alerts": [{}]}', "application/json"),
    ("no alerts", b'{"version": "4", "groupKey": "g", "status": "firing", "alerts": []}', "application/json"),
    ("wrong types", b'{"version": 4, "groupKey": ["g"], "status": 1, "alerts": "x"}', "application/json"),
    ("nested", b'{"alerts": ' + b"[" * 100 + b"]" * 100 + b"}", "application/json"),
    (
        "hostile",
        '{"version": "4", "groupKey": "\' \\" < > & 🔥", "status": "<b>", "alerts": [1]}'.encode(),
        "application/json",
    ),
    ("form", b"a=b", "application/x-www-form-urlencoded"),
]


@pytest.mark.parametrize(("name", "body", "content_type"), BAD, ids=[case[0] for case in BAD])
def test_a_bad_payload_is_refused_with_the_reason_and_kept(sender, name, body, content_type):
    answer = sender.generic("POST", AM, body, content_type=content_type)
    assert 400 <= answer.status_code < 500, answer.content
    error = answer.json()["error"]
    assert error["message"]
    delivery = AlertDelivery.objects.get()
    assert delivery.status == DeliveryStatus.REFUSED and delivery.reason
    assert not Ticket.objects.exists()


def test_a_refusal_naming_a_label_with_a_nul_character_is_kept(sender):
    body = alertmanager(am_alert("f1", **{"bad\u0000name": [7]}))
    answer = sender.post(AM, body, format="json")
    assert answer.status_code == 400
    assert "bad\ufffdname: Not a valid string." in AlertDelivery.objects.get().reason


def test_a_huge_label_is_refused(sender):
    body = alertmanager(am_alert("f1", note="x" * 5000))
    answer = sender.post(AM, body, format="json")
    assert answer.status_code == 400 and "2000 characters" in answer.json()["error"]["message"]
    delivery = AlertDelivery.objects.get()
    assert delivery.status == DeliveryStatus.REFUSED
    assert delivery.reason == "alerts.0.labels.note: Ensure this field has no more than 2000 characters."


def test_refused_deliveries_are_read_only_in_the_admin(admin_client, sender):
    sender.generic("POST", AM, b"{nope", content_type="application/json")
    delivery = AlertDelivery.objects.get()
    page = admin_client.get(f"/admin/alerts/alertdelivery/{delivery.pk}/change/")
    assert page.status_code == 200 and b"nope" in page.content
    assert admin_client.get("/admin/alerts/alertdelivery/add/").status_code == 403
    assert admin_client.get("/admin/alerts/alertdelivery/").status_code == 200
