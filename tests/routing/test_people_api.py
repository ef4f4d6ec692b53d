"""The people API: agents by level, skill, presence (the effective one: off outside the
shift) and name, with their skills, shift and open tickets in the same few queries
whatever their number; requesters for staff only; an agent's own presence; supervisors
set an agent's shift calendar and skills, all or nothing."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import Level
from routing.choices import AssignmentMethod, Presence
from routing.models import AgentProfile, AgentSkill, AssignmentPolicy
from routing.services import agent_presence_set, agent_skills_set
from sla.models import Calendar
from tests.api.permission_matrix import make_admin
from tests.api.support import client_for, error
from tests.factories import TicketFactory, category, make_agent, make_requester, make_supervisor
from tickets.choices import Status

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=JAKARTA)
MONDAY_22 = datetime(2026, 12, 7, 22, 0, tzinfo=JAKARTA)


def office_hours() -> Calendar:
    return Calendar.objects.get(name="Office hours (WIB)")


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


def test_agents_are_listed_with_levels_skills_shift_and_open_tickets():
    agent = make_agent(Level.II, username="budi", first_name="Budi", last_name="Santoso", email="budi@example.id")
    agent_skills_set(agent=agent, skills={category("Email").pk: 4})
    AgentProfile.objects.update_or_create(user=agent, defaults={"calendar": office_hours()})
    TicketFactory.create_batch(2, assignee=agent, status=Status.OPEN)
    TicketFactory(assignee=agent, status=Status.CLOSED)
    make_requester(username="rina")

    with time_machine.travel(MONDAY_9, tick=False):
        [row] = rows(client_for(make_supervisor()).get("/api/v1/agents/", {"q": "budi"}))

    assert row["id"] == agent.pk and row["username"] == "budi" and row["name"] == "Budi Santoso"
    assert row["email"] == "budi@example.id" and row["levels"] == [2]
    assert row["skills"] == [{"category": category("Email").pk, "category_name": "Email", "proficiency": 4}]
    assert row["open_tickets"] == 2
    assert (row["presence"], row["presence_chosen"]) == ("available", "available")
    assert row["shift_calendar"] == {
        "id": office_hours().pk,
        "name": "Office hours (WIB)",
        "time_zone": "Asia/Jakarta",
        "of": "agent",
    }


def test_requesters_are_never_agents_and_staff_without_a_level_are():
    make_requester(username="rina")
    supervisor = make_supervisor(username="sari")
    agent = make_agent(Level.I, username="andi")
    usernames = [row["username"] for row in rows(client_for(agent).get("/api/v1/agents/"))]
    assert "rina" not in usernames and {"sari", "andi"} <= set(usernames)
    assert supervisor.pk in [row["id"] for row in rows(client_for(agent).get("/api/v1/agents/"))]


def test_agents_filter_by_level_skill_and_name_words():
    first = make_agent(Level.I, first_name="Ayu", last_name="Lestari")
    second = make_agent(Level.II, first_name="Ayu", last_name="Wulandari")
    both = make_agent(Level.I, Level.II, first_name="Dewi", last_name="Lestari")
    agent_skills_set(agent=second, skills={category("Email").pk: None})
    client = client_for(make_supervisor())

    def ids(**query):
        return {row["id"] for row in rows(client.get("/api/v1/agents/", query))}

    assert ids(level=1) == {first.pk, both.pk}
    assert ids(level=2) == {second.pk, both.pk}
    assert ids(skill=category("Email").pk) == {second.pk}
    assert ids(q="ayu lestari") == {first.pk}
    assert ids(q="LESTARI", level=2) == {both.pk}


def test_the_presence_filter_reads_the_effective_presence_off_outside_the_shift():
    AssignmentPolicy.objects.create(level=Level.I, method=AssignmentMethod.ROUND_ROBIN, calendar=office_hours())
    day, away, night = make_agent(Level.I), make_agent(Level.I), make_agent(Level.I)
    AgentProfile.objects.update_or_create(
        user=night, defaults={"calendar": Calendar.objects.get(name="Around the clock")}
    )
    client = client_for(make_supervisor())
    with time_machine.travel(MONDAY_9, tick=False):
        agent_presence_set(user=away, presence=Presence.AWAY)
        morning = {row["id"]: row for row in rows(client.get("/api/v1/agents/", {"level": 1}))}
        available = {row["id"] for row in rows(client.get("/api/v1/agents/", {"level": 1, "presence": "available"}))}
    with time_machine.travel(MONDAY_22, tick=False):
        evening = {row["id"]: row for row in rows(client.get("/api/v1/agents/", {"level": 1}))}
        off = {row["id"] for row in rows(client.get("/api/v1/agents/", {"presence": "off"}))}

    assert available == {day.pk, night.pk}
    assert morning[away.pk]["presence"] == "away" and morning[day.pk]["shift_calendar"]["of"] == "level"
    assert evening[day.pk]["presence"] == "off" and evening[day.pk]["presence_chosen"] == "available"
    assert evening[night.pk]["presence"] == "available"
    assert off == {day.pk, away.pk}


def test_a_page_of_agents_costs_the_same_queries_whatever_their_number(django_assert_num_queries):
    AssignmentPolicy.objects.create(level=Level.I, method=AssignmentMethod.LEAST_LOADED, calendar=office_hours())
    client = client_for(make_supervisor())

    def add_agents(count: int) -> None:
        for _ in range(count):
            agent = make_agent(Level.I, Level.II)
            agent_skills_set(agent=agent, skills={category("Email").pk: 3, category("PC and laptop").pk: None})
            AgentProfile.objects.update_or_create(user=agent, defaults={"calendar": office_hours()})
            TicketFactory(assignee=agent, status=Status.OPEN)

    add_agents(2)
    with time_machine.travel(MONDAY_9, tick=False):
        rows(client.get("/api/v1/agents/"))  # the caches of policies and calendars filled
        with CaptureQueriesContext(connection) as few:
            assert len(rows(client.get("/api/v1/agents/", {"presence": "available"}))) == 3  # the supervisor too
        add_agents(8)
        with django_assert_num_queries(len(few.captured_queries)):
            assert len(rows(client.get("/api/v1/agents/", {"presence": "available"}))) == 11


def test_an_agent_is_looked_up_by_id_and_a_requester_is_not_an_agent():
    agent = make_agent(Level.III)
    client = client_for(make_agent(Level.I))
    assert client.get(f"/api/v1/agents/{agent.pk}/").json()["levels"] == [3]
    requester = make_requester()
    assert client.get(f"/api/v1/agents/{requester.pk}/").status_code == 404
    assert client.get(f"/api/v1/agents/{10**30}/").status_code == 404


def test_requesters_see_no_one_through_the_api():
    requester = make_requester()
    other = make_requester(username="other-person")
    agent = make_agent(Level.I, username="agent-person")
    client = client_for(requester)
    for path in (
        "/api/v1/agents/",
        f"/api/v1/agents/{agent.pk}/",
        "/api/v1/requesters/",
        f"/api/v1/requesters/{other.pk}/",
        f"/api/v1/requesters/{requester.pk}/",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "support staff" in error(response)["message"]
        assert b"person" not in response.content


def test_staff_look_requesters_up_by_name_or_email():
    rina = make_requester(username="rina", first_name="Rina", email="rina@kantor.example")
    make_requester(username="joko")
    make_agent(Level.I, username="rina-agent")
    client = client_for(make_agent(Level.I))
    assert [row["username"] for row in rows(client.get("/api/v1/requesters/", {"q": "kantor"}))] == ["rina"]
    assert [row["username"] for row in rows(client.get("/api/v1/requesters/", {"q": "rina"}))] == ["rina"]
    assert client.get(f"/api/v1/requesters/{rina.pk}/").json() == {
        "id": rina.pk,
        "username": "rina",
        "name": str(rina),
        "email": "rina@kantor.example",
    }


def test_an_agent_reads_and_sets_their_own_presence():
    agent = make_agent(Level.I)
    client = client_for(agent)
    assert client.get("/api/v1/me/presence/").json()["presence"] == "available"
    response = client.put("/api/v1/me/presence/", {"presence": "away"}, format="json")
    assert response.status_code == 200 and response.json()["presence"] == "away"
    assert AgentProfile.objects.get(user=agent).presence == Presence.AWAY
    bad = client.put("/api/v1/me/presence/", {"presence": "asleep"}, format="json")
    assert bad.status_code == 400 and "presence" in error(bad)["fields"]


def test_a_requester_has_no_presence():
    client = client_for(make_requester())
    for response in (client.get("/api/v1/me/presence/"), client.put("/api/v1/me/presence/", {"presence": "off"})):
        assert response.status_code == 403
        assert error(response)["message"] == "Only agents of a support level have a presence."
    assert not AgentProfile.objects.exists()


def test_a_supervisor_sets_an_agent_s_shift_and_skills_together():
    agent = make_agent(Level.I)
    agent_skills_set(agent=agent, skills={category("PC and laptop").pk: 2})
    response = client_for(make_admin()).patch(
        f"/api/v1/agents/{agent.pk}/",
        {"shift_calendar": office_hours().pk, "skills": [{"category": category("Email").pk, "proficiency": 5}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["shift_calendar"]["id"] == office_hours().pk
    assert [(skill.category.name, skill.proficiency) for skill in AgentSkill.objects.filter(agent=agent)] == [
        ("Email", 5)
    ]
    cleared = client_for(make_supervisor()).patch(f"/api/v1/agents/{agent.pk}/", {"shift_calendar": None})
    assert cleared.json()["shift_calendar"] is None
    assert AgentSkill.objects.filter(agent=agent).count() == 1


def test_agents_may_not_change_an_agent_s_shift_or_skills():
    agent = make_agent(Level.I)
    response = client_for(agent).patch(f"/api/v1/agents/{agent.pk}/", {"skills": []}, format="json")
    assert response.status_code == 403 and "supervisors" in error(response)["message"]


def routing_state(agent) -> tuple:
    return (
        list(AgentProfile.objects.filter(user=agent).values()),
        list(AgentSkill.objects.filter(agent=agent).values()),
    )


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"shift_calendar": 999_999}, "no business calendar"),
        ({"shift_calendar": 10**30}, "shift_calendar"),
        ({"shift_calendar": "Office"}, "shift_calendar"),
        ({"skills": [{"category": 999_999}]}, "no category"),
        ({"skills": [{"category": "EMAIL"}]}, "A category is given by its id"),
        ({"skills": [{"category": 2, "proficiency": 6}]}, "A proficiency is a number from 1 to 5"),
        ({"skills": [{"category": 2, "proficiency": 0}]}, "A proficiency is a number from 1 to 5"),
        ({"skills": [{"category": 1}, {"category": 1}]}, "once"),
        ({"skills": {"category": 1}}, "skills"),
        ({"skills": [[[{"category": 1}]]]}, "skills"),
        ({"shift_calendar": 1, "skills": [{"category": 999_999}]}, "no category"),
        ({"shift_calendar": "ü" * 250}, "shift_calendar"),
        ({"shift_calendar": ""}, "shift_calendar"),
        ({"shift_calendar": True}, "shift_calendar"),
        ({"skills": [{"category": "'\"<>& 😀"}]}, "A category is given by its id"),
        ({"skills": [{"category": 10**30}]}, "skills"),
        ({"skills": [{"category": 2, "proficiency": "a\r\nb"}]}, "A proficiency is a number from 1 to 5"),
        ({"skills": [{"category": 2, "proficiency": 3.5}]}, "A proficiency is a number from 1 to 5"),
        ({"skills": "Email"}, "skills"),
    ],
)
def test_a_bad_change_to_an_agent_is_refused_with_the_reason_and_nothing_is_saved(body, says):
    agent = make_agent(Level.I)
    agent_skills_set(agent=agent, skills={category("PC and laptop").pk: 2})
    before = routing_state(agent)
    response = client_for(make_supervisor()).patch(f"/api/v1/agents/{agent.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    assert says in response.content.decode()
    assert routing_state(agent) == before


HOSTILE = ["'\"<>&", "😀", "ü" * 250, "a\r\nb", "", str(10**30), "\x00", "-1", "[]"]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("name", ["q", "level", "skill", "presence", "page_size", "cursor"])
def test_a_hostile_people_filter_is_a_400_or_ignored_never_a_server_error(name, value):
    make_agent(Level.I)
    make_requester()
    client = client_for(make_supervisor())
    for path in ("/api/v1/agents/", "/api/v1/requesters/"):
        response = client.get(path, {name: value})
        assert response.status_code in (200, 400, 404), (path, response.status_code)
        if response.status_code != 200:
            error(response)


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"skills": ' + '{"a":' * 2000 + "1" + "}" * 2001])
def test_a_body_nested_too_deep_is_a_400_on_the_people_writes(body):
    agent = make_agent(Level.I)
    before = routing_state(agent)
    for client, method, path in (
        (client_for(make_supervisor()), "patch", f"/api/v1/agents/{agent.pk}/"),
        (client_for(agent), "put", "/api/v1/me/presence/"),
    ):
        response = getattr(client, method)(path, body, content_type="application/json")
        assert response.status_code == 400, (path, response.content[:200])
        assert error(response)["code"] == "parse_error"
    assert routing_state(agent) == before


@pytest.mark.parametrize(
    "body",
    [{}, {"presence": ""}, {"presence": None}, {"presence": ["away"]}, {"presence": "'\"<>& 😀\r\n"}, "away"],
)
def test_a_bad_presence_is_a_400_and_changes_nothing(body):
    agent = make_agent(Level.I)
    response = client_for(agent).put("/api/v1/me/presence/", body, format="json")
    assert response.status_code == 400 and error(response)
    assert not AgentProfile.objects.filter(user=agent).exists()
