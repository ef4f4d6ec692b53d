"""What a person types into a ticket is cleaned the same way whichever way it comes in
(the page's form, the API, the service itself): a subject is one line without control
characters; a description keeps its line breaks and tabs and nothing else of the kind.
And only support staff may say which channel a ticket came through."""

import pytest
from rest_framework.test import APIClient

from tests.factories import make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import Channel
from tickets.exceptions import TicketError
from tickets.models import Ticket
from tickets.text import multi_line, single_line

pytestmark = pytest.mark.django_db

# (typed, stored)
SUBJECTS = [
    ("Printer\r\nBcc: everyone@example.com", "Printer Bcc: everyone@example.com"),
    ("Line\none\rtwo", "Line one two"),
    ("Tab\there", "Tab here"),
    ("Bell\x07 and escape\x1b[31m red", "Bell and escape [31m red"),
    ("C1\x85 next line\x9b and del\x7f", "C1 next line and del"),
    ("Separator\u2028line\u2029para", "Separator line para"),
    ("Invoice \u202egnp.exe", "Invoice gnp.exe"),
    ("  😀 Emoji \u200d stays 👩\u200d💻 ", "😀 Emoji \u200d stays 👩\u200d💻"),
    ("Quotes ' \" < > & stay", "Quotes ' \" < > & stay"),
]
DESCRIPTIONS = [
    ("First line\r\nsecond line\rthird\nfourth", "First line\nsecond line\nthird\nfourth"),
    ("Keeps\ttabs", "Keeps\ttabs"),
    ("Drops\x00 null\x07 bell\x1b escape\x7f del\x85", "Drops null bell escape del"),
    ("Unicode\u2028line", "Unicode\nline"),
    ("\u202eReversed", "Reversed"),
    ("Emoji 👩\u200d💻 kept", "Emoji 👩\u200d💻 kept"),
]


@pytest.mark.parametrize(("typed", "stored"), SUBJECTS)
def test_a_subject_is_one_line_without_control_characters(typed, stored):
    assert single_line(typed) == stored


@pytest.mark.parametrize(("typed", "stored"), DESCRIPTIONS)
def test_a_description_keeps_line_breaks_and_tabs_and_drops_other_control_characters(typed, stored):
    assert multi_line(typed) == stored


@pytest.mark.parametrize(("typed", "stored"), [*SUBJECTS, ("Null\x00 char", "Null char")])
def test_the_service_stores_the_cleaned_subject(typed, stored):
    ticket = services.ticket_create(requester=make_requester(), subject=typed, description="x", urgency="low")
    ticket.refresh_from_db()
    assert ticket.subject == stored


@pytest.mark.parametrize(("typed", "stored"), DESCRIPTIONS)
def test_the_service_stores_the_cleaned_description(typed, stored):
    ticket = services.ticket_create(requester=make_requester(), subject="x", description=typed, urgency="low")
    ticket.refresh_from_db()
    assert ticket.description == stored


@pytest.mark.parametrize(("typed", "stored"), SUBJECTS)
def test_the_form_files_the_cleaned_subject(client, typed, stored):
    client.force_login(make_requester())
    response = client.post(
        "/tickets/new/",
        {"subject": typed, "description": "Line one\r\nLine\x07 two", "impact": "low", "urgency": "low"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get()
    assert ticket.subject == stored
    assert ticket.description == "Line one\nLine two"


@pytest.mark.parametrize(("typed", "stored"), SUBJECTS)
def test_the_api_files_the_cleaned_subject(typed, stored):
    client = APIClient()
    client.force_authenticate(make_requester())
    response = client.post(
        "/api/v1/tickets/",
        {"subject": typed, "description": "Line one\r\nLine\x07 two", "urgency": "low"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["subject"] == stored
    assert response.json()["description"] == "Line one\nLine two"
    assert Ticket.objects.get().subject == stored


@pytest.mark.parametrize("typed", ["\r\n", "\x07\x00", "\u202e", " \t "])
def test_a_subject_of_nothing_but_control_characters_is_refused_on_each_channel(client, typed):
    client.force_login(make_requester())
    page = client.post("/tickets/new/", {"subject": typed, "description": "x", "impact": "low", "urgency": "low"})
    assert page.status_code == 400
    assert "subject" in page.context["form"].errors
    api = APIClient()
    api.force_authenticate(make_requester())
    response = api.post("/api/v1/tickets/", {"subject": typed, "description": "x", "urgency": "low"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"subject"}
    with pytest.raises(TicketError):
        services.ticket_create(requester=make_requester(), subject=typed, description="x", urgency="low")
    assert not Ticket.objects.exists()


def test_a_null_character_is_refused_as_the_field_s_error_by_the_form_and_the_api(client):
    client.force_login(make_requester())
    page = client.post(
        "/tickets/new/", {"subject": "Null\x00", "description": "x\x00", "impact": "low", "urgency": "low"}
    )
    assert page.status_code == 400
    assert set(page.context["form"].errors) == {"subject", "description"}
    api = APIClient()
    api.force_authenticate(make_requester())
    response = api.post(
        "/api/v1/tickets/", {"subject": "Null\x00", "description": "x\x00", "urgency": "low"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"subject", "description"}
    assert not Ticket.objects.exists()


# --- the channel


def file_through_api(user, **extra):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(
        "/api/v1/tickets/", {"subject": "Phone call", "description": "Logged", "urgency": "low", **extra}, format="json"
    )


@pytest.mark.parametrize("channel", [c for c in Channel.values if c != Channel.API])
def test_a_requester_may_not_set_the_channel(channel):
    response = file_through_api(make_requester(), channel=channel)
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"channel"}
    assert not Ticket.objects.exists()


def test_a_requester_s_ticket_comes_through_the_api_said_or_not():
    assert file_through_api(make_requester()).json()["channel"] == Channel.API
    assert file_through_api(make_requester(), channel="api").json()["channel"] == Channel.API


@pytest.mark.parametrize("maker", [lambda: make_agent(1), lambda: make_agent(3), make_supervisor])
def test_support_staff_say_which_channel_a_ticket_came_through(maker):
    response = file_through_api(maker(), channel=Channel.PHONE)
    assert response.status_code == 201, response.json()
    assert response.json()["channel"] == Channel.PHONE
    assert Ticket.objects.get().channel == Channel.PHONE


def test_an_unknown_channel_is_refused_for_everyone():
    for user in (make_requester(), make_supervisor()):
        response = file_through_api(user, channel="carrier-pigeon")
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == {"channel"}


# --- bounds: the pages take no longer text than the API


def test_the_pages_refuse_text_longer_than_the_api_takes(client):
    requester = make_requester()
    client.force_login(requester)
    page = client.post(
        "/tickets/new/", {"subject": "Long", "description": "é" * 20001, "impact": "low", "urgency": "low"}
    )
    assert page.status_code == 400
    assert "description" in page.context["form"].errors
    assert not Ticket.objects.exists()
    ticket = services.ticket_create(requester=requester, subject="Short", description="x", urgency="low")
    events = ticket.events.count()
    response = client.post(f"{ticket.get_absolute_url()}comment/", {"body": "😀" * 20001})
    assert response.status_code == 400
    assert not ticket.comments.exists()
    agent = make_agent(1)
    client.force_login(agent)
    response = client.post(f"{ticket.get_absolute_url()}escalate/", {"reason": "x" * 5001})
    assert response.status_code == 400
    assert ticket.events.count() == events


def test_replies_resolutions_and_reasons_are_cleaned_as_descriptions_are():
    requester = make_requester()
    agent = make_agent(1, 2)
    ticket = services.ticket_create(requester=requester, subject="VPN", description="x", urgency="low")
    typed, stored = "Tried\r\nagain\x07\x1b[31m \u202eexe", "Tried\nagain[31m exe"

    reply = services.comment_add(ticket_id=ticket.pk, author=requester, body=typed)
    services.ticket_escalate(ticket_id=ticket.pk, by=agent, reason=typed)
    services.ticket_change_status(ticket_id=ticket.pk, by=agent, status="pending", reason=typed)
    services.ticket_resolve(ticket_id=ticket.pk, by=agent, resolution=typed)
    services.ticket_reopen(ticket_id=ticket.pk, by=requester, reason=typed)

    reply.refresh_from_db()
    assert reply.body == stored
    ticket.refresh_from_db()
    assert ticket.resolution == stored
    reasons = list(ticket.events.exclude(reason="").values_list("kind", "reason"))
    assert {kind for kind, _reason in reasons} >= {"escalated", "status_changed", "reopened"}
    assert {reason for _kind, reason in reasons} == {stored}


@pytest.mark.parametrize("typed", ["\r\n", "\x07\x01", "\u202e", " \t "])
def test_a_reply_of_nothing_but_control_characters_is_refused(client, typed):
    requester = make_requester()
    ticket = services.ticket_create(requester=requester, subject="VPN", description="x", urgency="low")

    with pytest.raises(TicketError):
        services.comment_add(ticket_id=ticket.pk, author=requester, body=typed)
    client.force_login(requester)
    page = client.post(f"/tickets/{ticket.reference}/comment/", {"body": typed})

    assert page.status_code == 400
    assert "body" in page.context["forms"]["comment"].errors
    assert not ticket.comments.exists()
