"""Reports count every real channel, each from the path that files tickets through it."""

import csv
import io
import re

import pytest
from django.core.cache import cache

from alerts.services import monitoring_account
from tests.api.support import client_for
from tests.factories import make_agent, make_requester, make_supervisor
from tickets.choices import Channel
from tickets.models import Ticket
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db

LABELS = {
    "web": "Web",
    "email": "Email",
    "phone": "Phone",
    "sms": "SMS",
    "chat": "Chat",
    "api": "API",
    "monitor": "Monitoring",
}


def channel_count(page: str, label: str) -> int:
    """The figure of one channel's row in the report (a link to the list of its tickets)."""
    found = re.search(rf'<th scope="row">{re.escape(label)}</th><td><a [^>]*data-drill="channel">(\d+)</a></td>', page)
    assert found, label
    return int(found.group(1))


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def channel_rows(client) -> dict[str, int]:
    response = client.get("/reports/export/channels.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    return {label: int(n) for label, n in rows[1:]}


def test_with_no_tickets_every_channel_is_a_zero_row(client):
    client.force_login(make_supervisor())
    assert channel_rows(client) == dict.fromkeys(LABELS.values(), 0)
    page = client.get("/reports/").content.decode()
    for label in LABELS.values():
        assert channel_count(page, label) == 0


def test_tickets_filed_through_each_real_path_are_counted_per_channel(client, django_capture_on_commit_callbacks):
    agent, requester = make_agent(1), make_requester(email="req@example.com", phone="+6281234567890")
    # the web form, by the requester
    client.force_login(requester)
    form = {"subject": "Web", "description": "From the page", "impact": "low", "urgency": "low", "category": ""}
    assert client.post("/tickets/new/", form).status_code == 302
    # the API, the requester's own, and one by staff on their behalf
    assert client_for(requester).post("/api/v1/tickets/", {**form, "subject": "API"}).status_code == 201
    on_behalf = {**form, "subject": "Forwarded", "requester": requester.email, "channel": "email"}
    assert client_for(agent).post("/api/v1/tickets/", on_behalf).status_code == 201
    # the quick form: two calls and a chat
    client.force_login(agent)
    logged = {
        "caller": requester.pk,
        "action": "new",
        "subject": "Called",
        "impact": "low",
        "urgency": "low",
        "text": "Said so",
    }
    for channel in ("phone", "phone", "chat"):
        assert client.post("/log/", {**logged, "channel": channel}).status_code == 302
    # mail and SMS intake file through the same service with their channels
    ticket_create(requester=requester, subject="Mail", description="x", urgency="low", channel=Channel.EMAIL)
    ticket_create(requester=requester, subject="SMS", description="x", urgency="low", channel=Channel.SMS)
    # a monitoring system's alert
    alert = {"alerts": [{"key": "disk-db01", "status": "firing", "name": "DiskFilling", "severity": "warning"}]}
    with django_capture_on_commit_callbacks(execute=True):
        posted = client_for(monitoring_account()).post("/api/v1/alerts/generic/", alert, format="json")
    assert posted.status_code == 202
    assert Ticket.objects.count() == 9

    client.force_login(make_supervisor())
    assert channel_rows(client) == {"Web": 1, "Email": 2, "Phone": 2, "SMS": 1, "Chat": 1, "API": 1, "Monitoring": 1}
    page = client.get("/reports/").content.decode()
    assert channel_count(page, "Phone") == 2
    assert channel_count(page, "Email") == 2


def test_the_reports_speak_indonesian_for_the_channels(client):
    supervisor = make_supervisor(language="id")
    client.force_login(supervisor)
    client.cookies["django_language"] = "id"
    page = client.get("/reports/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert '<th scope="row">Telepon</th>' in page
