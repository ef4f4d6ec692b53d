"""Acknowledging a page from the ticket's page: the panel is shown to those who may answer
it, the button does what ACK by SMS does, and everyone else is refused with a reason."""

import pytest
from django.test import Client
from django.utils import timezone, translation

from escalation.models import Page
from escalation.services.notices import sla_notice_queue
from sla.models import SlaEvent
from tests.factories import make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import EventKind, Impact, Urgency
from tickets.models import TicketEvent
from tickets.templatetags.helpdesk import event_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def paged():
    requester = make_requester()
    supervisor = make_supervisor(phone="+6281200000009", language="id")
    agent = make_agent(1, phone="+6281200000001")
    ticket = services.ticket_create(
        requester=requester, subject="Server down", description="All down", impact=Impact.HIGH, urgency=Urgency.HIGH
    )
    event = SlaEvent.objects.create(
        ticket=ticket, metric="resolution", threshold="breached", due_at=timezone.now(), level=1
    )
    sla_notice_queue(event=SlaEvent.objects.select_related("ticket__assignee").get(pk=event.pk))
    assert Page.objects.filter(ticket=ticket, acknowledged_at__isnull=True).exists()
    return {"ticket": ticket, "requester": requester, "supervisor": supervisor, "agent": agent}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_paged_see_the_panel_and_acknowledge_from_the_page(paged):
    client = signed_in(paged["supervisor"])
    url = paged["ticket"].get_absolute_url()
    page = client.get(url).content.decode()
    assert 'data-testid="page-panel"' in page and "Konfirmasi panggilan darurat" in page
    response = client.post(f"{url}acknowledge-page/")
    assert response.status_code == 302 and response["Location"] == url
    page_row = Page.objects.get(ticket=paged["ticket"])
    assert page_row.acknowledged_by == paged["supervisor"] and page_row.next_repeat_at is None
    [event] = TicketEvent.objects.filter(ticket=paged["ticket"], kind=EventKind.PAGE_ACKNOWLEDGED)
    with translation.override("en"):
        assert event_text(event, paged["ticket"]) == "acknowledged the page on the web"
    after = client.get(url).content.decode()
    assert 'data-testid="page-panel"' not in after and "mengonfirmasi panggilan darurat lewat web" in after
    # Nothing left to answer: a second press is refused with the reason, nothing changes.
    again = client.post(f"{url}acknowledge-page/")
    assert again.status_code == 409 and "Tidak ada panggilan darurat" in again.content.decode()
    assert TicketEvent.objects.filter(kind=EventKind.PAGE_ACKNOWLEDGED).count() == 1


def test_the_requester_never_sees_the_panel_and_cannot_acknowledge(paged):
    client = signed_in(paged["requester"])
    url = paged["ticket"].get_absolute_url()
    assert 'data-testid="page-panel"' not in client.get(url).content.decode()
    assert client.post(f"{url}acknowledge-page/").status_code == 403
    assert signed_in(make_requester()).post(f"{url}acknowledge-page/").status_code == 404
    assert Page.objects.get(ticket=paged["ticket"]).acknowledged_at is None


def test_staff_neither_paged_nor_at_the_level_are_not_offered_it(paged):
    services.ticket_escalate(ticket_id=paged["ticket"].pk, by=paged["agent"], reason="Core network")
    below = make_agent(1)
    url = paged["ticket"].get_absolute_url()
    assert 'data-testid="page-panel"' not in signed_in(below).get(url).content.decode()
    assert signed_in(below).post(f"{url}acknowledge-page/").status_code == 409
    # The Level I agent who was paged may still answer it.
    assert 'data-testid="page-panel"' in signed_in(paged["agent"]).get(url).content.decode()
    assert signed_in(paged["agent"]).post(f"{url}acknowledge-page/").status_code == 302
