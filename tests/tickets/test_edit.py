"""Corrections of a ticket's subject and description: staff only, audited, nothing lost."""

import pytest
from rest_framework.test import APIClient

from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets.choices import EventKind, Status
from tickets.exceptions import NotAllowedError, TicketError, TransitionError
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_edit

pytestmark = pytest.mark.django_db


def test_a_10000_character_description_is_fully_recoverable_from_the_audit_trail():
    agent = make_agent(1)
    earlier = "".join(f"line {n}: é🙂 <b>&</b>\n" for n in range(600))[:10_000].strip()
    assert len(earlier) > 9_900
    ticket = TicketFactory(level=1, description=earlier)
    ticket_edit(ticket_id=ticket.pk, by=agent, description="The printer on floor 3 jams.")
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.EDITED)
    assert (event.field, event.actor) == ("description", agent)
    assert event.reason == earlier
    assert len(event.from_value) <= 255 and earlier.startswith(event.from_value.rstrip("…"))
    assert event.to_value == "The printer on floor 3 jams."
    assert Ticket.objects.get(pk=ticket.pk).description == "The printer on floor 3 jams."


def test_each_version_can_be_read_back_in_order():
    supervisor = make_supervisor()
    ticket = TicketFactory(level=3, subject="Printr", description="v1")
    ticket_edit(ticket_id=ticket.pk, by=supervisor, subject="Printer", description="v2")
    ticket_edit(ticket_id=ticket.pk, by=supervisor, description="v3")
    events = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.EDITED).order_by("id")
    assert [(e.field, e.reason, e.to_value) for e in events] == [
        ("subject", "Printr", "Printer"),
        ("description", "v1", "v2"),
        ("description", "v2", "v3"),
    ]


def test_unchanged_text_writes_nothing():
    agent = make_agent(1)
    ticket = TicketFactory(level=1, subject="Same", description="Same text")
    ticket_edit(ticket_id=ticket.pk, by=agent, subject=" Same ", description="Same text")
    assert not TicketEvent.objects.exists()


@pytest.mark.parametrize(
    ("who", "error"),
    [("requester", NotAllowedError), ("agent below", NotAllowedError), ("closed", TransitionError)],
)
def test_who_may_not_correct_is_refused_and_nothing_changes(who, error):
    requester = make_requester()
    ticket = TicketFactory(
        level=2, requester=requester, subject="Old", status=Status.CLOSED if who == "closed" else Status.OPEN
    )
    by = {"requester": requester, "agent below": make_agent(1), "closed": make_agent(2)}[who]
    with pytest.raises(error):
        ticket_edit(ticket_id=ticket.pk, by=by, subject="New")
    assert Ticket.objects.get(pk=ticket.pk).subject == "Old"
    assert not TicketEvent.objects.exists()


@pytest.mark.parametrize(
    "subject", ["", "   ", "\x00\x01", "x" * 201, "é" * 250], ids=["empty", "blank", "control", "long", "unicode-250"]
)
def test_a_bad_subject_is_refused(subject):
    ticket = TicketFactory(level=1, subject="Old")
    with pytest.raises(TicketError):
        ticket_edit(ticket_id=ticket.pk, by=make_agent(1), subject=subject)
    assert Ticket.objects.get(pk=ticket.pk).subject == "Old"


def test_hostile_text_is_kept_as_text_and_cleaned_of_line_breaks_in_the_subject():
    ticket = TicketFactory(level=1)
    ticket_edit(ticket_id=ticket.pk, by=make_agent(1), subject="A\r\nB <script>&'\" 🙂")
    assert Ticket.objects.get(pk=ticket.pk).subject == "A B <script>&'\" 🙂"


def test_the_ticket_page_form_corrects_and_the_history_shows_the_earlier_text(client):
    agent = make_agent(1)
    ticket = TicketFactory(level=1, subject="Old subject", description="Old description 7c1")
    client.force_login(agent)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert 'data-testid="edit-panel"' in page
    response = client.post(
        f"/tickets/{ticket.reference}/edit/", {"subject": "New subject", "description": "New description"}
    )
    assert response.status_code == 302
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "corrected the subject from “Old subject” to “New subject”" in page
    assert "Old description 7c1" in page  # the earlier text, under "Earlier text"
    # The requester sees that their words were corrected, and what they were.
    client.force_login(ticket.requester)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "corrected the subject" in page and 'data-testid="edit-panel"' not in page


def test_an_empty_correction_on_the_page_is_a_400_and_changes_nothing(client):
    ticket = TicketFactory(level=1, subject="Old")
    client.force_login(make_agent(1))
    response = client.post(f"/tickets/{ticket.reference}/edit/", {"subject": " ", "description": "x"})
    assert response.status_code == 400
    assert Ticket.objects.get(pk=ticket.pk).subject == "Old"


def test_the_api_patch_corrects_the_words_with_an_audit_event():
    agent = make_agent(1)
    ticket = TicketFactory(level=1, subject="Old", status=Status.RESOLVED)
    api = APIClient()
    api.force_authenticate(agent)
    response = api.patch(f"/api/v1/tickets/{ticket.reference}/", {"subject": "New 🙂"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["subject"] == "New 🙂"
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.EDITED)
    assert (event.reason, event.actor) == ("Old", agent)
    for body in (
        {"subject": ""},
        {"subject": "x" * 201},
        {"description": {"a": 1}},
        {"subject": ["a"]},
        {"description": " \x00 "},
    ):
        assert api.patch(f"/api/v1/tickets/{ticket.reference}/", body, format="json").status_code == 400
    api.force_authenticate(ticket.requester)
    assert api.patch(f"/api/v1/tickets/{ticket.reference}/", {"subject": "Mine"}, format="json").status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).subject == "New 🙂"
