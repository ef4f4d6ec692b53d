"""Mail out through a real worker: the acknowledgement the worker sends is threaded on its
ticket and answerable, and the one-click unsubscribe a mail program would POST to its
link, with no cookie and no CSRF token, works against the running server."""

import pytest
import requests

from notifications.models import NotificationPreference
from tests.factories import make_requester
from tickets import services as ticket_services
from tickets.choices import Impact, Urgency
from tickets.threading import (
    ticket_id_from_addresses,
    ticket_id_from_subject,
    ticket_id_from_thread,
    ticket_thread_id,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

HTTP_TIMEOUT = 10


def test_the_worker_s_acknowledgement_threads_on_the_ticket_and_unsubscribes_in_one_click(
    live_server, celery_worker_process, settings
):
    worker = celery_worker_process
    settings.HELPDESK_BASE_URL = live_server.url
    requester = make_requester(email="wulan@example.com", language="id")
    ticket = ticket_services.ticket_create(
        requester=requester,
        subject="VPN putus-putus <lagi> & lambat",
        description="Sejak pagi VPN terputus tiap 10 menit.",
        impact=Impact.LOW,
        urgency=Urgency.MEDIUM,
    )
    [message] = worker.wait_for(
        lambda: worker.emails(to=requester.email, reference=ticket.reference), what="the acknowledgement email"
    )
    assert message["References"] == message["In-Reply-To"] == ticket_thread_id(ticket)
    assert ticket_id_from_thread([message["Message-ID"], message["In-Reply-To"]]) == ticket.pk
    assert ticket_id_from_addresses([message["Reply-To"]]) == ticket.pk
    assert ticket_id_from_subject("Re: " + message["Subject"]) == ticket.pk
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("##- Balas di atas baris ini -##")
    assert "Anda dapat membalas email ini untuk menambahkan informasi" in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].strip()[1:-1]
    assert link.startswith(f"{live_server.url}/notifications/unsubscribe/")

    response = requests.post(
        link,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )

    assert response.status_code == 200, response.text[:2000]
    assert NotificationPreference.objects.get(user=requester).essential_email_only is True
