"""The sample Alertmanager receiver and Zabbix media type of deploy/ work against the
endpoints: the receiver's URL and authorisation are the endpoint's, and the media type's
script (run by node, with Zabbix's HttpRequest stood in for) posts a body the endpoint
takes, a problem opening a ticket and its recovery resolving it."""

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.urls import resolve
from rest_framework.test import APIClient

from accounts.services import api_token_create
from alerts.api.views import AlertmanagerApi, ZabbixApi
from alerts.services import monitoring_account
from tickets.choices import Status
from tickets.models import Ticket

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"

# Runs the media type's script as Zabbix does (the body of a function of `value`), with a
# stand-in HttpRequest that prints what it would send and answers 202.
ZABBIX_RUNNER = r"""
const fs = require("fs");
const [path, value] = process.argv.slice(-2);
const script = fs.readFileSync(path, "utf8");
const sent = {headers: [], url: null, body: null};
class HttpRequest {
  addHeader(header) { sent.headers.push(header); }
  post(url, body) { sent.url = url; sent.body = body; return "{}"; }
  getStatus() { return 202; }
}
const Zabbix = {log() {}};
const result = new Function("value", "HttpRequest", "Zabbix", script)(value, HttpRequest, Zabbix);
console.log(JSON.stringify({result, ...sent}));
"""


def test_the_alertmanager_receiver_posts_to_the_alertmanager_endpoint_with_a_bearer_token():
    config = yaml.safe_load((DEPLOY / "alertmanager.yml").read_text())
    [receiver] = [r for r in config["receivers"] if r["name"] == config["route"]["receiver"]]
    [webhook] = receiver["webhook_configs"]
    assert webhook["send_resolved"] is True
    assert resolve(urlsplit(webhook["url"]).path).func.view_class is AlertmanagerApi
    assert webhook["http_config"]["authorization"]["type"] == "Bearer"
    assert "credentials_file" in webhook["http_config"]["authorization"]


def _zabbix_send(params: dict) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    answer = subprocess.run(
        [node, "-e", ZABBIX_RUNNER, str(DEPLOY / "zabbix-media-type.js"), json.dumps(params)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return json.loads(answer.stdout)


@pytest.mark.django_db
def test_the_zabbix_media_type_opens_and_resolves_a_ticket(django_capture_on_commit_callbacks):
    _token, key = api_token_create(user=monitoring_account(), name="zabbix")
    params = {
        "url": "https://helpdesk.example.com/api/v1/alerts/zabbix/",
        "token": key,
        "event_id": "4711",
        "event_value": "1",
        "event_name": 'High CPU on "db-01" <prod> & more 🔥',
        "severity": "Disaster",
        "host": "db-01",
        "message": "Problem started at 01:00:00\nCPU 97%",
        "event_url": "https://zabbix.example.com/tr_events.php?triggerid=1&eventid=4711",
        "tags": json.dumps([{"tag": "service", "value": "Server performance"}, {"tag": "env", "value": "prod"}]),
    }
    client = APIClient()
    for value, expected_status in (("1", Status.NEW), ("0", Status.RESOLVED)):
        sent = _zabbix_send({**params, "event_value": value})
        assert sent["result"] == "OK"
        assert resolve(urlsplit(sent["url"]).path).func.view_class is ZabbixApi
        headers = dict(header.split(": ", 1) for header in sent["headers"])
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(
                urlsplit(sent["url"]).path,
                sent["body"],
                content_type=headers["Content-Type"],
                HTTP_AUTHORIZATION=headers["Authorization"],
            )
        assert answer.status_code == 202, answer.content
        ticket = Ticket.objects.get()
        assert ticket.status == expected_status
    assert ticket.priority == 1 and ticket.category.name == "Server performance"
    assert ticket.subject.startswith('High CPU on "db-01" <prod> & more 🔥 on db-01')


def test_unresolved_macros_are_sent_as_nothing():
    sent = _zabbix_send({"url": "http://h/api/v1/alerts/zabbix/", "token": "t", "event_id": "1", "host": "{HOST.NAME}"})
    [alert] = json.loads(sent["body"])["alerts"]
    assert alert["host"] == "" and alert["status"] == "firing" and alert["name"] == "Zabbix problem"
