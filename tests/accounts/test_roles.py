import pytest

from accounts.choices import Role
from accounts.selectors import user_role
from escalation.selectors import agent_levels
from tests.factories import UserFactory, make_agent, make_requester, make_supervisor

pytestmark = pytest.mark.django_db


def test_each_role_has_the_permissions_it_needs_and_no_more():
    requester, agent, supervisor = make_requester(), make_agent(1), make_supervisor()
    assert requester.has_perm("tickets.add_ticket") and not requester.has_perm("tickets.work_ticket")
    assert agent.has_perm("tickets.work_ticket") and not agent.has_perm("tickets.supervise_ticket")
    assert supervisor.has_perm("tickets.supervise_ticket")
    assert [user_role(u) for u in (requester, agent, supervisor)] == [Role.REQUESTER, Role.AGENT, Role.SUPERVISOR]


def test_agents_work_their_member_levels_and_supervisors_all():
    assert agent_levels(make_agent(2, 3)) == [2, 3]
    assert agent_levels(make_supervisor()) == [1, 2, 3]
    assert agent_levels(make_requester()) == []


def test_a_level_member_without_the_agent_role_works_no_level():
    user = UserFactory()
    from escalation.models import SupportLevel

    SupportLevel.objects.get(number=1).members.add(user)
    assert agent_levels(user) == []


def test_phone_numbers_must_be_e164():
    from django.core.exceptions import ValidationError

    user = UserFactory(phone="0812345")
    with pytest.raises(ValidationError):
        user.full_clean()
    user.phone = "+6281234567890"
    user.full_clean()
