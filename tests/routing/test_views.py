"""The presence switch in the page header: loaded on every staff page, one click to
change, refused to people who are not agents of a level."""

import pytest

from accounts.choices import Level
from routing.choices import Presence
from routing.models import AgentProfile
from tests.factories import make_agent, make_requester, make_supervisor

pytestmark = pytest.mark.django_db


def test_every_staff_page_loads_the_switch_and_requesters_pages_do_not(client):
    client.force_login(make_agent(Level.I))
    assert 'hx-get="/presence/"' in client.get("/queue/").content.decode()
    client.force_login(make_requester())
    assert 'hx-get="/presence/"' not in client.get("/tickets/").content.decode()


def test_an_agent_sets_their_presence_in_one_click_and_sees_it(client):
    agent = make_agent(Level.I)
    client.force_login(agent)
    switch = client.get("/presence/")
    assert switch.status_code == 200 and 'data-presence="available"' in switch.content.decode()
    answer = client.post("/presence/", {"presence": Presence.AWAY}, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert 'data-presence="away"' in answer.content.decode()
    assert AgentProfile.objects.get(user=agent).presence == Presence.AWAY


def test_without_htmx_the_switch_goes_back_to_the_page_it_was_on(client):
    client.force_login(make_agent(Level.I))
    answer = client.post("/presence/", {"presence": Presence.OFF, "next": "/queue/?tab=mine"})
    assert answer.status_code == 302 and answer["Location"] == "/queue/?tab=mine"
    # Never somewhere else.
    answer = client.post("/presence/", {"presence": Presence.OFF, "next": "https://evil.example/"})
    assert answer["Location"] == "/"


@pytest.mark.parametrize("value", ["busy", "", "<script>alert(1)</script>", "😀" * 300, "available\r\nX: 1"])
def test_a_presence_not_on_the_list_is_refused_with_a_message_and_changes_nothing(client, value):
    agent = make_agent(Level.I)
    client.force_login(agent)
    answer = client.post("/presence/", {"presence": value}, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert "Choose available, away or off." in answer.content.decode()
    assert "<script>alert" not in answer.content.decode()
    assert not AgentProfile.objects.filter(user=agent, presence_set_at__isnull=False).exists()


def test_without_htmx_a_bad_value_shows_the_choice_again_with_the_reason(client):
    agent = make_agent(Level.I)
    client.force_login(agent)
    answer = client.post("/presence/", {"presence": "<b>busy</b>"})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Choose available, away or off." in page and "<b>busy" not in page
    assert 'data-testid="presence-page-away"' in page
    assert not AgentProfile.objects.filter(user=agent, presence_set_at__isnull=False).exists()


def test_people_who_work_no_level_have_no_switch(client):
    client.force_login(make_requester())
    assert client.get("/presence/").status_code == 403
    assert client.post("/presence/", {"presence": Presence.AWAY}).status_code == 403
    client.force_login(make_supervisor())
    assert client.get("/presence/").status_code == 204
    assert client.post("/presence/", {"presence": Presence.AWAY}).status_code == 403


def test_the_switch_speaks_indonesian(client):
    agent = make_agent(Level.I, language="id")
    client.force_login(agent)
    page = client.get("/presence/", headers={"Accept-Language": "id"}).content.decode()
    assert "Tersedia" in page
