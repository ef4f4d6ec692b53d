"""The quick form on which staff log a phone call or a chat, and its caller lookup."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.permission_matrix import make_admin
from tests.factories import TicketFactory, category, make_agent, make_requester, make_supervisor
from tickets.choices import Channel, EventKind, Status
from tickets.models import Comment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

User = get_user_model()
HOSTILE = 'O\'Brien "<b>&amp;</b>" <script>x</script> & 🙂'
LONG_NAME = "Ñ" * 250


def staff_makers():
    return {
        "agent I": lambda: make_agent(1),
        "agent II": lambda: make_agent(2),
        "agent III": lambda: make_agent(3),
        "supervisor": make_supervisor,
        "admin": make_admin,
    }


STAFF = list(staff_makers())


def signed_in(client, who: str):
    user = staff_makers()[who]()
    client.force_login(user)
    return user


def new_ticket_data(**overrides) -> dict:
    data = {
        "channel": "phone",
        "caller": "",
        "new_name": "Budi Santoso",
        "new_email": "budi@example.com",
        "new_phone": "",
        "action": "new",
        "ticket": "",
        "subject": "Laptop will not start",
        "category": "",
        "impact": "low",
        "urgency": "high",
        "text": "Caller says the laptop beeps three times.",
    }
    data.update(overrides)
    return data


# --- who may use it ------------------------------------------------------------------


@pytest.mark.parametrize("who", STAFF)
def test_every_staff_level_opens_the_form_and_the_lookup(client, who):
    signed_in(client, who)
    make_requester(first_name="Budi", last_name="Santoso", email="budi@example.com")
    page = client.get("/log/")
    assert page.status_code == 200
    assert b"Log a call or chat" in page.content
    lookup = client.get("/log/callers/", {"q": "budi"})
    assert lookup.status_code == 200
    assert [r["name"] for r in lookup.json()["results"]] == ["Budi Santoso"]


def test_the_staff_navigation_links_to_it_and_the_requesters_does_not(client):
    client.force_login(make_agent(1))
    assert b'href="/log/"' in client.get("/queue/").content
    client.force_login(make_requester())
    assert b'href="/log/"' not in client.get("/tickets/").content


@pytest.mark.parametrize("url", ["/log/", "/log/callers/?q=a", "/log/callers/1/tickets/"])
def test_requesters_are_refused_and_anonymous_visitors_sent_to_sign_in(client, url):
    assert client.get(url).status_code == 302
    assert "/accounts/login/" in client.get(url)["Location"]
    client.force_login(make_requester())
    assert client.get(url).status_code == 403


def test_a_requester_cannot_post_a_call_either(client):
    client.force_login(make_requester())
    assert client.post("/log/", new_ticket_data()).status_code == 403
    assert not Ticket.objects.exists()


# --- the lookup ------------------------------------------------------------------------


def test_the_lookup_finds_by_name_email_or_phone_case_insensitively(client):
    signed_in(client, "agent I")
    budi = make_requester(first_name="Budi", last_name="Santoso", email="b.santoso@example.com", phone="+6281234567890")
    make_requester(first_name="Siti", last_name="Rahayu", email="siti@example.com")
    TicketFactory(requester=budi)
    TicketFactory(requester=budi, status=Status.CLOSED)

    def found(q):
        return [r["id"] for r in client.get("/log/callers/", {"q": q}).json()["results"]]

    assert found("SANTOSO") == [budi.pk]
    assert found("budi sant") == [budi.pk]
    assert found("B.Santoso@Example.com") == [budi.pk]
    assert found("0812-3456-7890") == [budi.pk]
    assert found("+62 812 3456 7890") == [budi.pk]
    assert found("3456") == [budi.pk]
    assert found("nobody-like-this") == []
    (row,) = client.get("/log/callers/", {"q": "budi"}).json()["results"]
    assert row == {
        "id": budi.pk,
        "name": "Budi Santoso",
        "email": "b.santoso@example.com",
        "phone": "+6281234567890",
        "open_tickets": 1,
    }


def test_the_lookup_never_offers_staff_or_inactive_people(client):
    signed_in(client, "agent I")
    make_agent(1, first_name="Budi", username="budi-agent")
    make_supervisor(first_name="Budi", username="budi-super")
    make_requester(first_name="Budi", username="budi-gone", is_active=False)
    assert client.get("/log/callers/", {"q": "budi"}).json()["results"] == []


def test_the_lookup_returns_at_most_ten_in_a_constant_number_of_queries(client):
    signed_in(client, "agent I")
    for n in range(3):
        TicketFactory(requester=make_requester(first_name=f"Ani{n}"))
    client.get("/log/callers/", {"q": "ani"})  # warm the session and permission reads
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/log/callers/", {"q": "ani"}).json()["results"]) == 3
    for n in range(3, 30):
        TicketFactory(requester=make_requester(first_name=f"Ani{n}"))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/log/callers/", {"q": "ani"}).json()["results"]) == 10
    assert len(many) == len(few)


def test_the_lookup_answers_htmx_with_the_choices_escaped(client):
    signed_in(client, "agent I")
    make_requester(first_name=HOSTILE, email="x@example.com")
    response = client.get("/log/callers/", {"q": "brien"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<script>x</script>" not in response.content
    assert b"&lt;script&gt;" in response.content
    assert b'name="caller"' in response.content


@pytest.mark.parametrize(
    "q",
    ["", " ", "'", '"', "<>&", "🙂" * 50, "a" * 10_000, "\r\n", "\x00", "%", "_", "\\", "+", "0"],
)
def test_hostile_queries_are_answered_never_a_server_error(client, q):
    signed_in(client, "agent I")
    make_requester(first_name="Budi")
    response = client.get("/log/callers/", {"q": q})
    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)
    assert client.get("/log/", {"q": q, "caller": q}).status_code == 200


def test_without_javascript_the_search_button_lists_callers_on_the_page(client):
    signed_in(client, "agent I")
    budi = make_requester(first_name="Budi", last_name="Santoso")
    ticket = TicketFactory(requester=budi, subject="Printer jams")
    page = client.get("/log/", {"q": "budi"})
    assert f'value="{budi.pk}"'.encode() in page.content
    chosen = client.get("/log/", {"q": "budi", "caller": budi.pk})
    assert ticket.reference.encode() in chosen.content
    assert b"Printer jams" in chosen.content
    tickets = client.get(f"/log/callers/{budi.pk}/tickets/")
    assert ticket.reference.encode() in tickets.content


def test_a_caller_tickets_list_shows_nothing_for_staff_or_unknown_ids(client):
    agent = signed_in(client, "agent I")
    TicketFactory(requester=agent, subject="Agent's own")
    assert b"Agent's own" not in client.get(f"/log/callers/{agent.pk}/tickets/").content
    assert client.get("/log/callers/999999999/tickets/").status_code == 200
    assert client.get("/log/callers/99999999999999999999999/tickets/").status_code == 200


# --- a new ticket ------------------------------------------------------------------------


@pytest.mark.parametrize("who", STAFF)
@pytest.mark.parametrize("channel", ["phone", "chat"])
def test_staff_file_a_ticket_for_a_new_caller(client, who, channel):
    agent = signed_in(client, who)
    response = client.post("/log/", new_ticket_data(channel=channel, category=category("Email").pk))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == ticket.get_absolute_url()
    caller = ticket.requester
    assert (caller.first_name, caller.last_name, caller.email) == ("Budi", "Santoso", "budi@example.com")
    assert caller.groups.filter(name="requester").exists()
    assert not caller.has_usable_password()
    assert ticket.channel == channel
    assert ticket.urgency == "high"
    assert ticket.category == category("Email")
    created = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CREATED)
    assert created.actor == agent
    page = client.get(ticket.get_absolute_url())
    words = b"by phone" if channel == "phone" else b"by chat"
    assert b"filed the ticket for Budi Santoso " + words in page.content
    assert b"Budi Santoso wrote " + words in page.content


def test_an_existing_caller_is_chosen_and_a_new_one_with_their_address_is_not_made_twice(client):
    signed_in(client, "agent I")
    budi = make_requester(first_name="Budi", email="budi@example.com", phone="+6281234567890")
    client.post("/log/", new_ticket_data(caller=budi.pk, new_name="", new_email=""))
    client.post("/log/", new_ticket_data(new_email="BUDI@example.com"))
    client.post("/log/", new_ticket_data(new_email="", new_phone="0812 3456 7890"))
    assert Ticket.objects.filter(requester=budi).count() == 3
    assert User.objects.filter(first_name="Budi").count() == 1


def test_a_caller_with_only_a_phone_number_gets_an_account_by_it(client):
    signed_in(client, "agent I")
    client.post("/log/", new_ticket_data(new_email="", new_phone="0812-1111-2222"))
    caller = Ticket.objects.get().requester
    assert caller.phone == "+6281211112222"
    assert caller.email == ""


def test_a_hostile_long_name_is_kept_whole_and_shown_escaped(client):
    signed_in(client, "agent I")
    response = client.post(
        "/log/", new_ticket_data(new_name=HOSTILE + "\r\nBcc: x", subject=HOSTILE + "\r\nX", text=HOSTILE)
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert "\n" not in ticket.requester.get_full_name() and "\r" not in ticket.subject
    assert ticket.description == HOSTILE
    page = client.get(ticket.get_absolute_url()).content
    assert b"<script>x</script>" not in page
    client.post("/log/", new_ticket_data(new_name=LONG_NAME, new_email="long@example.com"))
    assert User.objects.get(email="long@example.com").first_name == LONG_NAME[:150]


def test_a_long_chat_transcript_is_kept_and_one_too_long_refused(client):
    signed_in(client, "agent I")
    transcript = "\n".join(f"[10:{n % 60:02d}] Budi: the VPN drops 🙂 <again> & again" for n in range(2000))
    assert 90_000 < len(transcript) < 100_000
    assert client.post("/log/", new_ticket_data(channel="chat", text=transcript)).status_code == 302
    assert Ticket.objects.get().description == transcript
    huge = "x" * 200 * 1024
    response = client.post("/log/", new_ticket_data(channel="chat", new_email="other@example.com", text=huge))
    assert response.status_code == 400
    assert Ticket.objects.count() == 1
    assert not User.objects.filter(email="other@example.com").exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"channel": "email"}, "channel"),
        ({"channel": "web"}, "channel"),
        ({"channel": ""}, "channel"),
        ({"action": "delete"}, "action"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"impact": "🙂"}, "impact"),
        ({"category": "not-a-number"}, "category"),
        ({"category": "999999"}, "category"),
        ({"subject": ""}, "subject"),
        ({"subject": "\r\n\t"}, "subject"),
        ({"text": ""}, "text"),
        ({"text": "\x01\x02"}, "text"),
        ({"caller": "abc"}, "caller"),
        ({"caller": "-1"}, "caller"),
        ({"caller": "99999999999999999999999"}, "caller"),
        ({"new_name": ""}, "caller"),
        ({"new_email": "not an address", "new_phone": ""}, "new_email"),
        ({"new_email": "", "new_phone": "12"}, "new_phone"),
        ({"new_email": "", "new_phone": ""}, "new_email"),
        ({"new_email": "a@" + "b" * 250 + ".com"}, "new_email"),
        ({"new_name": "\x00Budi"}, "new_name"),
        ({"subject": "x" * 201}, "subject"),
    ],
)
def test_bad_input_is_named_and_saves_nothing(client, overrides, field):
    signed_in(client, "agent I")
    response = client.post("/log/", new_ticket_data(**overrides))
    assert response.status_code == 400
    if field is not None:
        assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not Ticket.objects.exists()
    assert not User.objects.filter(email="budi@example.com").exists()


def test_a_caller_id_that_is_staff_or_missing_is_refused(client):
    agent = signed_in(client, "agent I")
    for pk in (agent.pk, make_supervisor().pk, 987654):
        response = client.post("/log/", new_ticket_data(caller=pk, new_name=""))
        assert response.status_code == 400
        assert response.context["form"].errors["caller"]
    assert not Ticket.objects.exists()


def test_no_half_saved_caller_when_the_ticket_is_refused(client, monkeypatch):
    signed_in(client, "agent I")
    from tickets.exceptions import TicketError

    def refuse(**kwargs):
        raise TicketError("The helpdesk refused it.")

    monkeypatch.setattr("intake.views.ticket_services.ticket_create", refuse)
    response = client.post("/log/", new_ticket_data())
    assert response.status_code == 400
    assert b"The helpdesk refused it." in response.content
    assert not User.objects.filter(email="budi@example.com").exists()
    assert not Ticket.objects.exists()


# --- a comment on an open ticket ----------------------------------------------------------


def comment_data(caller, ticket, **overrides) -> dict:
    fields = {"caller": caller.pk, "new_name": "", "new_email": "", "action": "reply", "ticket": ticket.reference}
    return new_ticket_data(**{**fields, "subject": "", **overrides})


@pytest.mark.parametrize("channel", ["phone", "chat"])
def test_a_call_is_added_as_the_callers_reply_logged_by_the_agent(client, channel):
    agent = signed_in(client, "agent I")
    budi = make_requester(first_name="Budi")
    ticket = TicketFactory(requester=budi, status=Status.PENDING)
    response = client.post("/log/", comment_data(budi, ticket, channel=channel, text="It works after a restart."))
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.author, comment.logged_by, comment.channel, comment.is_internal) == (budi, agent, channel, False)
    assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.COMMENTED).actor == agent
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN  # the requester answered
    assert ticket.first_response_at is None  # the caller's words are no response of ours
    page = client.get(ticket.get_absolute_url()).content
    assert f"by {channel}".encode() in page
    assert b"logged by" in page
    client.force_login(budi)
    assert f"by {channel}".encode() in client.get(ticket.get_absolute_url()).content


def test_a_call_can_be_added_as_an_internal_note_the_requester_does_not_see(client):
    agent = signed_in(client, "agent I")
    budi = make_requester(first_name="Budi")
    ticket = TicketFactory(requester=budi)
    client.post("/log/", comment_data(budi, ticket, action="note", text="Caller sounded upset."))
    comment = Comment.objects.get()
    assert (comment.author, comment.is_internal, comment.channel, comment.logged_by) == (agent, True, "phone", None)
    client.force_login(budi)
    assert b"Caller sounded upset." not in client.get(ticket.get_absolute_url()).content


def test_a_ticket_of_another_caller_a_closed_one_or_a_bad_reference_is_refused(client):
    signed_in(client, "agent I")
    budi, siti = make_requester(first_name="Budi"), make_requester(first_name="Siti")
    theirs = TicketFactory(requester=siti)
    closed = TicketFactory(requester=budi, status=Status.CLOSED)
    for reference, field in (
        (theirs.reference, "ticket"),
        ("HD-999999", "ticket"),
        ("HD-99999999999999999999", "ticket"),
        ("not-a-ref", "ticket"),
        ("", "ticket"),
    ):
        response = client.post("/log/", {**comment_data(budi, theirs), "ticket": reference})
        assert response.status_code == 400
        assert response.context["form"].errors.get(field), reference
    response = client.post("/log/", comment_data(budi, closed))
    assert response.status_code == 400
    assert b"is closed" in response.content
    assert not Comment.objects.exists()


def test_a_new_caller_cannot_be_added_to_an_existing_ticket(client):
    signed_in(client, "agent I")
    ticket = TicketFactory()
    response = client.post("/log/", new_ticket_data(action="reply", ticket=ticket.reference))
    assert response.status_code == 400
    assert not Comment.objects.exists()
    assert not User.objects.filter(email="budi@example.com").exists()


def test_a_level_i_agent_cannot_log_onto_a_level_iii_ticket(client):
    signed_in(client, "agent I")
    budi = make_requester()
    ticket = TicketFactory(requester=budi, level=3)
    response = client.post("/log/", comment_data(budi, ticket))
    assert response.status_code == 400
    assert b"above the levels you work" in response.content
    assert not Comment.objects.exists()


def test_the_service_refuses_an_on_behalf_reply_as_a_note_or_for_someone_else():
    from tickets.exceptions import NotAllowedError
    from tickets.services import comment_add

    agent, budi, siti = make_agent(1), make_requester(), make_requester()
    ticket = TicketFactory(requester=budi)
    with pytest.raises(NotAllowedError):
        comment_add(ticket_id=ticket.pk, author=siti, body="x", by=agent)
    with pytest.raises(NotAllowedError):
        comment_add(ticket_id=ticket.pk, author=budi, body="x", internal=True, by=agent)
    with pytest.raises(NotAllowedError):
        comment_add(ticket_id=ticket.pk, author=budi, body="x", by=make_requester())
    assert not Comment.objects.exists()
    assert Channel.PHONE in Channel.values


def test_the_form_and_the_channel_words_speak_indonesian(client):
    agent = make_agent(1)
    agent.language = "id"
    agent.save()
    client.force_login(agent)
    headers = {"Accept-Language": "id"}
    client.cookies["django_language"] = "id"
    page = client.get("/log/", headers=headers).content.decode()
    assert "Catat telepon atau obrolan" in page
    response = client.post("/log/", new_ticket_data(), headers=headers)
    ticket = Ticket.objects.get()
    page = client.get(response["Location"], headers=headers).content.decode()
    assert "membuat tiket untuk Budi Santoso lewat telepon" in page
    assert ticket.channel == "phone"


def test_an_agent_of_no_level_is_refused_and_no_caller_is_left_behind(client):
    client.force_login(make_agent())  # the agent role, but no level to work
    response = client.post("/log/", new_ticket_data())
    assert response.status_code == 400
    assert b"Only support staff can file a ticket" in response.content
    assert not Ticket.objects.exists()
    assert not User.objects.filter(email="budi@example.com").exists()
