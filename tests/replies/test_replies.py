import json

import pytest
from django.test import Client

from accounts.choices import Level
from replies.exceptions import CannedReplyError
from replies.models import CannedReply
from replies.services import canned_reply_delete, canned_reply_save
from tests.api.permission_matrix import make_admin
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets.choices import Impact, Status, Urgency
from tickets.models import Comment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

BODY_EN = "Hi {requester_first_name}, {agent_name} here about {ticket_reference} ({level})."
BODY_ID = "Halo {requester_first_name}, saya {agent_name}, tentang {ticket_reference} ({level})."


def shared(level: int, **kwargs) -> CannedReply:
    fields = {"title": f"Shared L{level}", "body_en": BODY_EN, "body_id": BODY_ID, "level": level, **kwargs}
    return CannedReply.objects.create(**fields)


def personal(owner, **kwargs) -> CannedReply:
    return CannedReply.objects.create(**{"title": "Mine", "body_en": BODY_EN, "owner": owner, **kwargs})


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- services


def test_an_agent_saves_a_personal_reply_and_cannot_share_one():
    agent = make_agent(1)
    reply = canned_reply_save(by=agent, title=" Wait ", body_en=BODY_EN, body_id="")
    assert (reply.owner, reply.level, reply.title) == (agent, None, "Wait")
    with pytest.raises(CannedReplyError, match="Only supervisors"):
        canned_reply_save(by=agent, title="Team", body_en=BODY_EN, body_id="", level=Level.I)
    assert CannedReply.objects.count() == 1


def test_a_supervisor_shares_a_reply_with_a_level():
    supervisor = make_supervisor()
    reply = canned_reply_save(by=supervisor, title="Team", body_en="", body_id=BODY_ID, level=Level.II)
    assert (reply.owner, reply.level) == (None, Level.II)


def test_a_requester_has_no_canned_replies():
    with pytest.raises(CannedReplyError):
        canned_reply_save(by=make_requester(), title="x", body_en="x", body_id="")
    assert not CannedReply.objects.exists()


@pytest.mark.parametrize(
    ("body", "named"),
    [("Hi {name}", "{name}"), ("{0}", "{0}"), ("{x.y}", "{x.y}"), ("{x.__class__}", "{x.__class__}"), ("{", "“{”")],
)
def test_an_unknown_placeholder_is_refused_when_saving_naming_it(body, named):
    with pytest.raises(CannedReplyError) as raised:
        canned_reply_save(by=make_agent(1), title="x", body_en="ok", body_id=body)
    assert named in raised.value.message
    assert not CannedReply.objects.exists()


def test_a_reply_needs_a_title_and_a_text():
    agent = make_agent(1)
    with pytest.raises(CannedReplyError, match="title"):
        canned_reply_save(by=agent, title="\r\n", body_en="x", body_id="")
    with pytest.raises(CannedReplyError, match="English"):
        canned_reply_save(by=agent, title="x", body_en=" \x00 ", body_id="")


def test_nobody_changes_or_deletes_another_person_s_reply():
    owner, other = make_agent(1), make_agent(1)
    reply = personal(owner)
    with pytest.raises(CannedReplyError):
        canned_reply_save(by=other, reply_id=reply.pk, title="Taken", body_en="x", body_id="")
    with pytest.raises(CannedReplyError):
        canned_reply_delete(by=other, reply_id=reply.pk)
    with pytest.raises(CannedReplyError):
        canned_reply_delete(by=other, reply_id=shared(1).pk)
    reply.refresh_from_db()
    assert reply.title == "Mine" and CannedReply.objects.count() == 2
    canned_reply_delete(by=owner, reply_id=reply.pk)
    assert CannedReply.objects.count() == 1


# --- the picker and the filled-in reply


def test_the_picker_offers_own_replies_and_those_of_the_ticket_s_level_only():
    agent, colleague = make_agent(2), make_agent(2)
    ticket = TicketFactory(level=2)
    mine, level_two = personal(agent, title="Mine"), shared(2, title="Level two")
    personal(colleague, title="Colleague's")
    shared(1, title="Level one")
    shared(3, title="Level three")
    response = signed_in(agent).get(f"/tickets/{ticket.reference}/replies/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [level_two.pk, mine.pk]
    # Another reply's id is not theirs to fill in on this ticket.
    other_level = CannedReply.objects.get(title="Level one")
    assert signed_in(agent).get(f"/tickets/{ticket.reference}/replies/{other_level.pk}/").status_code == 404


def test_the_picker_searches_titles_and_texts_with_hostile_queries_answered():
    agent = make_agent(1)
    ticket = TicketFactory(level=1)
    personal(agent, title="Printer jam", body_en="Open the tray")
    personal(agent, title="VPN", body_en="Reinstall the client 🙂")
    client = signed_in(agent)
    url = f"/tickets/{ticket.reference}/replies/"
    assert [r["title"] for r in client.get(url, {"q": "tray"}).json()["results"]] == ["Printer jam"]
    assert [r["title"] for r in client.get(url, {"q": "🙂"}).json()["results"]] == ["VPN"]
    for query in ["'\"<>&", "%", "_", "{0}", "ü" * 250, "a\r\nb"]:
        response = client.get(url, {"q": query})
        assert response.status_code == 200 and response.json()["results"] == []
    # A NUL is no part of any text: the query is what is left, here nothing, so all are offered.
    assert len(client.get(url, {"q": "\x00"}).json()["results"]) == 2


def test_a_reply_is_filled_in_in_the_requester_s_language_as_plain_text():
    agent = make_agent(1, first_name="Andi", last_name="Pratama")
    requester = make_requester(first_name="<b>Rina</b> & 'co' \"x\" {agent_name}", language="id")
    ticket = TicketFactory(level=1, requester=requester)
    reply = shared(1)
    data = signed_in(agent).get(f"/tickets/{ticket.reference}/replies/{reply.pk}/").json()
    assert data["language"] == "id"
    expected = f"Halo <b>Rina</b> & 'co' \"x\" {{agent_name}}, saya Andi Pratama, tentang {ticket.reference} (Level I)."
    assert data["text"] == expected


def test_the_other_language_is_used_when_the_reply_has_no_text_in_the_requester_s():
    agent = make_agent(1, first_name="Andi", last_name="")
    ticket = TicketFactory(level=1, requester=make_requester(first_name="", username="rina", language="id"))
    reply = personal(agent, body_en="Hi {requester_first_name}, from {agent_name}", body_id="")
    data = signed_in(agent).get(f"/tickets/{ticket.reference}/replies/{reply.pk}/").json()
    assert data["text"] == "Hi rina, from Andi"


def test_the_filled_in_reply_says_what_it_will_change():
    agent = make_agent(1)
    ticket = TicketFactory(level=1, status=Status.OPEN)
    reply = personal(agent, set_status=Status.PENDING, set_urgency=Urgency.HIGH)
    data = signed_in(agent).get(f"/tickets/{ticket.reference}/replies/{reply.pk}/").json()
    assert data["changes"] == {"status": "pending", "impact": "", "urgency": "high"}
    assert data["labels"] == ["Pending on customer", "High — work has stopped"]


@pytest.mark.parametrize("role", ["requester", "owner", "other_requester"])
def test_requesters_never_see_the_picker_or_its_endpoints(role):
    owner = make_requester()
    ticket = TicketFactory(level=1, requester=owner)
    reply = shared(1)
    person = owner if role == "owner" else make_requester()
    client = signed_in(person)
    for url in (f"/tickets/{ticket.reference}/replies/", f"/tickets/{ticket.reference}/replies/{reply.pk}/"):
        assert client.get(url).status_code == 404
    assert client.get("/replies/").status_code == 403
    page = client.get(ticket.get_absolute_url())
    if role == "owner":
        assert page.status_code == 200
        assert b"canned-replies" not in page.content and b"canned-replies.js" not in page.content
        assert BODY_EN.encode() not in page.content


def test_staff_below_the_ticket_s_level_get_no_picker():
    agent = make_agent(1)
    ticket = TicketFactory(level=3)
    reply = personal(agent)
    client = signed_in(agent)
    assert client.get(f"/tickets/{ticket.reference}/replies/").status_code == 403
    assert client.get(f"/tickets/{ticket.reference}/replies/{reply.pk}/").status_code == 403
    assert b'id="canned-replies"' not in client.get(ticket.get_absolute_url()).content


def test_staff_at_the_level_see_the_picker_on_the_ticket_page():
    agent = make_agent(2)
    ticket = TicketFactory(level=2)
    content = signed_in(agent).get(ticket.get_absolute_url()).content.decode()
    assert 'id="canned-replies"' in content and "js/canned-replies.js" in content
    assert f"/tickets/{ticket.reference}/replies/" in content


def test_anonymous_visitors_are_sent_to_sign_in():
    ticket = TicketFactory(level=1)
    response = Client().get(f"/tickets/{ticket.reference}/replies/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_picker_and_the_fill_cost_the_same_queries_with_many_replies(django_assert_max_num_queries):
    agent = make_agent(1)
    ticket = TicketFactory(level=1)
    client = signed_in(agent)
    personal(agent)
    url = f"/tickets/{ticket.reference}/replies/"
    client.get(url)  # the session and the person's permissions, read once
    with django_assert_max_num_queries(8) as few:
        client.get(url)
    CannedReply.objects.bulk_create(
        [CannedReply(title=f"Reply {n}", body_en="x", owner=agent) for n in range(50)]
        + [CannedReply(title=f"Team {n}", body_en="x", level=1) for n in range(50)]
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.json()["results"]) == 20


# --- sending a reply with its changes


def test_sending_the_reply_with_its_changes_goes_through_the_ticket_services():
    agent = make_agent(1)
    ticket = TicketFactory(level=1, status=Status.OPEN, impact=Impact.LOW, urgency=Urgency.LOW, priority=4)
    response = signed_in(agent).post(
        f"/tickets/{ticket.reference}/comment/",
        {"body": "Please send a photo of the error.", "then_status": "pending", "then_urgency": "high"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.urgency, ticket.priority) == (Status.PENDING, Urgency.HIGH, 3)
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["status_changed", "priority_changed", "priority_changed", "commented"]
    assert Comment.objects.get(ticket=ticket).body == "Please send a photo of the error."


def test_a_change_the_ticket_cannot_take_refuses_the_whole_reply():
    agent = make_agent(1)
    ticket = TicketFactory(level=1, status=Status.RESOLVED, resolution="Done")
    before = Ticket.objects.filter(pk=ticket.pk).values().get()
    response = signed_in(agent).post(
        f"/tickets/{ticket.reference}/comment/", {"body": "Back to you", "then_status": "pending"}
    )
    assert response.status_code == 409
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == before
    assert not Comment.objects.exists() and not TicketEvent.objects.exists()


def test_a_requester_cannot_smuggle_changes_into_their_reply():
    owner = make_requester()
    ticket = TicketFactory(level=1, status=Status.OPEN, requester=owner)
    response = signed_in(owner).post(
        f"/tickets/{ticket.reference}/comment/", {"body": "Thanks", "then_status": "pending", "then_impact": "high"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.impact) == (Status.OPEN, Impact.LOW)


# --- the page where replies are kept


def test_an_agent_manages_their_replies_on_their_page():
    agent = make_agent(1)
    client = signed_in(agent)
    data = {"title": "Reboot", "scope": "personal", "body_en": "Hi {requester_first_name}", "body_id": ""}
    assert client.post("/replies/", data).status_code == 302
    reply = CannedReply.objects.get()
    assert reply.owner == agent
    page = client.get("/replies/").content.decode()
    assert "Reboot" in page and "{requester_first_name}" in page
    assert client.post(f"/replies/{reply.pk}/", {**data, "title": "Restart"}).status_code == 302
    reply.refresh_from_db()
    assert reply.title == "Restart"
    assert client.post(f"/replies/{reply.pk}/delete/").status_code == 302
    assert not CannedReply.objects.exists()


def test_the_page_refuses_an_unknown_placeholder_with_the_reason():
    client = signed_in(make_agent(1))
    response = client.post("/replies/", {"title": "x", "scope": "personal", "body_en": "Hi {nama}", "body_id": ""})
    assert response.status_code == 400
    assert "Unknown placeholder {nama}" in response.content.decode()
    assert not CannedReply.objects.exists()


def test_an_agent_may_not_share_from_the_page_but_a_supervisor_may():
    data = {"title": "Team", "scope": "1", "body_en": "x", "body_id": ""}
    assert signed_in(make_agent(1)).post("/replies/", data).status_code == 400
    assert not CannedReply.objects.exists()
    assert signed_in(make_supervisor()).post("/replies/", data).status_code == 302
    assert CannedReply.objects.get().level == 1


def test_an_agent_sees_their_level_s_shared_replies_but_cannot_edit_them():
    agent = make_agent(1)
    reply = shared(1, title="Team one")
    shared(2, title="Team two")
    client = signed_in(agent)
    page = client.get("/replies/").content.decode()
    assert "Team one" in page and "Team two" not in page
    assert f"/replies/{reply.pk}/" not in page
    assert client.get(f"/replies/{reply.pk}/").status_code == 404
    assert client.post(f"/replies/{reply.pk}/delete/").status_code == 404
    assert CannedReply.objects.filter(pk=reply.pk).exists()


def test_another_agent_s_reply_is_not_found():
    reply = personal(make_agent(1))
    client = signed_in(make_agent(1))
    assert client.get(f"/replies/{reply.pk}/").status_code == 404
    assert "Mine" not in client.get("/replies/").content.decode()


def test_hostile_input_on_the_page_is_answered_and_saved_as_typed():
    client = signed_in(make_agent(1))
    title = "' \" < > & 🙂 " + "é" * 100
    body = "Line one\r\nLine two ' \" < > & 🙂 {{literal}} {agent_name}"
    response = client.post("/replies/", {"title": title, "scope": "personal", "body_en": body, "body_id": ""})
    assert response.status_code == 302
    reply = CannedReply.objects.get()
    assert reply.title == title.strip() and reply.body_en == body.replace("\r\n", "\n")
    page = client.get("/replies/").content.decode()
    assert "&lt; &gt; &amp;" in page and "< > &" not in page.split("<tbody>")[1].split("</tbody>")[0]
    too_long = client.post("/replies/", {"title": "x" * 250, "scope": "personal", "body_en": "x", "body_id": ""})
    assert too_long.status_code == 400 and CannedReply.objects.count() == 1


def test_the_admin_refuses_an_unknown_placeholder():
    client = signed_in(make_admin())
    response = client.post(
        "/admin/replies/cannedreply/add/",
        {"title": "x", "level": "1", "owner": "", "body_en": "{x.__class__}", "body_id": ""},
    )
    assert response.status_code == 200
    assert "Unknown placeholder {x.__class__}" in response.content.decode()
    assert not CannedReply.objects.exists()
    ok = client.post(
        "/admin/replies/cannedreply/add/",
        {"title": "x", "level": "1", "owner": "", "body_en": "{level}", "body_id": ""},
    )
    assert ok.status_code == 302 and CannedReply.objects.get().level == 1


def test_the_json_is_json_with_hostile_text():
    agent = make_agent(1)
    ticket = TicketFactory(level=1)
    reply = personal(agent, body_en="</script><script>alert(1)</script> {ticket_reference}")
    response = signed_in(agent).get(f"/tickets/{ticket.reference}/replies/{reply.pk}/")
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["text"].startswith("</script><script>")
