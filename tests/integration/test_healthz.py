import pytest
import requests

from health.models import Heartbeat
from health.services import WORKER
from health.tasks import heartbeat

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

HTTP_TIMEOUT = 10


def test_healthz_reports_the_worker_heartbeat(live_server, celery_worker_process):
    healthz_url = f"{live_server.url}/healthz/"
    # The worker reported itself when it started; without that row the worker check fails.
    Heartbeat.objects.all().delete()

    response = requests.get(healthz_url, timeout=HTTP_TIMEOUT)

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] and checks["broker"]["ok"]
    assert checks["worker"] == {"ok": False, "detail": "no heartbeat yet"}

    heartbeat.delay()

    def healthy_response():
        reply = requests.get(healthz_url, timeout=HTTP_TIMEOUT)
        return reply if reply.status_code == 200 else None

    response = celery_worker_process.wait_for(healthy_response, what="/healthz/ to report healthy")
    body = response.json()
    assert body["status"] == "ok"
    assert all(check["ok"] for check in body["checks"].values()), body
    assert Heartbeat.objects.filter(name=WORKER).exists()
