"""The admin of routing, for administrators: assignment policies, agents' shift calendars
(their presence shown, not changed) and skills; every page opens, a supervisor gets none."""

import pytest
from django.test import Client

from accounts.choices import Level
from routing.choices import AssignmentMethod, Presence
from routing.models import AgentProfile, AgentSkill, AssignmentPolicy
from sla.models import Calendar
from tests.api.permission_matrix import make_admin
from tests.factories import category, make_agent, make_supervisor

pytestmark = pytest.mark.django_db


def admin_client() -> Client:
    client = Client()
    client.force_login(make_admin())
    return client


def test_every_routing_admin_page_opens_for_an_administrator():
    agent = make_agent(Level.I)
    policy = AssignmentPolicy.objects.create(level=Level.I, method=AssignmentMethod.ROUND_ROBIN)
    profile = AgentProfile.objects.create(user=agent)
    skill = AgentSkill.objects.create(agent=agent, category=category("Email"), proficiency=3)
    client = admin_client()
    for model, row in (("assignmentpolicy", policy.pk), ("agentprofile", profile.pk), ("agentskill", skill.pk)):
        for page in ("", "add/", f"{row}/change/"):
            response = client.get(f"/admin/routing/{model}/{page}")
            assert response.status_code == 200, (model, page)


def test_an_administrator_gives_an_agent_a_shift_calendar_but_not_a_presence():
    agent = make_agent(Level.I)
    AgentProfile.objects.create(user=agent, presence=Presence.AWAY)
    office = Calendar.objects.get(name="Office hours (WIB)")
    response = admin_client().post(
        f"/admin/routing/agentprofile/{agent.pk}/change/", {"calendar": office.pk, "presence": "available"}
    )
    assert response.status_code == 302
    profile = AgentProfile.objects.get(user=agent)
    assert (profile.calendar, profile.presence) == (office, Presence.AWAY)


def test_a_proficiency_outside_1_to_5_is_refused_in_the_admin():
    agent = make_agent(Level.I)
    response = admin_client().post(
        "/admin/routing/agentskill/add/", {"agent": agent.pk, "category": category("Email").pk, "proficiency": 6}
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert not AgentSkill.objects.exists()


def test_supervisors_do_not_reach_the_routing_admin():
    client = Client()
    client.force_login(make_supervisor())
    assert client.get("/admin/routing/assignmentpolicy/").status_code == 302
