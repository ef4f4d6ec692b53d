"""The people API for every role: support staff look agents and requesters up,
supervisors and administrators set an agent's shift calendar and skills, agents of a
level read and set their own presence; requesters see no one (403, and nothing of anyone
in the answer). Each cell sets up its own people, makes one request and checks the exact
status; a refused request (and every read) leaves the routing tables as they were, an
allowed write shows its effect."""

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from routing.models import AgentProfile, AgentSkill
from sla.models import Calendar
from tests.api.permission_matrix import Endpoint, World, actor_for, cells
from tests.factories import category, make_agent, make_requester

pytestmark = pytest.mark.django_db

STAFF_READ = (401, 403, 403, 200, 200, 200, 200, 200)
MANAGERS_CHANGE = (401, 403, 403, 403, 403, 403, 200, 200)
# Agents who are members of a level; supervisors and administrators here are members of none.
LEVEL_MEMBERS = (401, 403, 403, 200, 200, 200, 403, 403)

AGENT_NAME = "target-agent"
REQUESTER_NAME = "target-requester"


def people_world(level: int) -> World:
    agent = make_agent(level, username=AGENT_NAME, email="agent@people.example")
    requester = make_requester(username=REQUESTER_NAME, email="requester@people.example")
    return World(level=level, ids={"agent_id": agent.pk, "requester_id": requester.pk})


def agents_listed(world, response):
    rows = {row["id"]: row for row in response.json()["results"]}
    assert rows[world.ids["agent_id"]]["levels"] == [world.level]
    assert world.ids["requester_id"] not in rows


def agent_shown(world, response):
    assert response.json()["username"] == AGENT_NAME and response.json()["email"] == "agent@people.example"


def agent_changed(world, response):
    profile = AgentProfile.objects.get(user_id=world.ids["agent_id"])
    assert profile.calendar == Calendar.objects.get(name="Office hours (WIB)")
    assert list(AgentSkill.objects.filter(agent_id=world.ids["agent_id"]).values_list("proficiency", flat=True)) == [3]
    assert response.json()["shift_calendar"]["of"] == "agent"


def requesters_listed(world, response):
    assert [row["username"] for row in response.json()["results"]] == [REQUESTER_NAME]


def requester_shown(world, response):
    assert response.json()["email"] == "requester@people.example"


def presence_shown(world, response):
    assert response.json()["presence"] == "available"


def presence_set(world, response):
    assert response.json()["presence"] == "away"
    assert AgentProfile.objects.get(user=world.actor).presence == "away"


A = "/api/v1/agents/{agent_id}/"
ENDPOINTS = [
    Endpoint("agents", "GET", "/api/v1/agents/", STAFF_READ, agents_listed, setup=people_world, levels=(2,)),
    Endpoint("agent", "GET", A, STAFF_READ, agent_shown, setup=people_world, levels=(2,)),
    Endpoint(
        "agent-update",
        "PATCH",
        A,
        MANAGERS_CHANGE,
        agent_changed,
        setup=people_world,
        levels=(2,),
        data=lambda world: {
            "shift_calendar": Calendar.objects.get(name="Office hours (WIB)").pk,
            "skills": [{"category": category("Email").pk, "proficiency": 3}],
        },
    ),
    Endpoint(
        "requesters", "GET", "/api/v1/requesters/", STAFF_READ, requesters_listed, setup=people_world, levels=(2,)
    ),
    Endpoint(
        "requester",
        "GET",
        "/api/v1/requesters/{requester_id}/",
        STAFF_READ,
        requester_shown,
        setup=people_world,
        levels=(2,),
    ),
    Endpoint(
        "me-presence", "GET", "/api/v1/me/presence/", LEVEL_MEMBERS, presence_shown, setup=people_world, levels=(2,)
    ),
    Endpoint(
        "me-presence-set",
        "PUT",
        "/api/v1/me/presence/",
        LEVEL_MEMBERS,
        presence_set,
        setup=people_world,
        levels=(2,),
        data=lambda world: {"presence": "away"},
    ),
]


def state() -> dict:
    return {
        "profiles": list(AgentProfile.objects.order_by("pk").values()),
        "skills": list(AgentSkill.objects.order_by("pk").values()),
    }


@pytest.mark.parametrize(("endpoint", "level", "role", "auth"), list(cells(ENDPOINTS)))
def test_people_api_permission_matrix(endpoint: Endpoint, level: int, role: str, auth: str):
    world = endpoint.setup(level)
    world.role = role
    world.actor = actor_for(role, world)
    client = APIClient()
    if world.actor is not None and auth == "token":
        _token, key = api_token_create(user=world.actor, name="permission matrix")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    elif world.actor is not None:
        client.force_authenticate(world.actor)
    expected = endpoint.expected(role, level)
    before = state()
    response = getattr(client, endpoint.method.lower())(endpoint.url(world), endpoint.data(world), format="json")
    assert response.status_code == expected, response.content[:500]
    if expected >= 400:
        error = response.json()["error"]
        assert error["status"] == expected and error["message"]
        for secret in (AGENT_NAME, REQUESTER_NAME, "people.example"):
            assert secret.encode() not in response.content
        assert state() == before
        return
    endpoint.check(world, response)
    if endpoint.method == "GET":
        assert state() == before
    else:
        assert state() != before
