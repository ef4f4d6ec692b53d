import pytest

from accounts.choices import Role
from accounts.selectors import agent_levels, user_role
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
    from accounts.models import SupportLevel

    SupportLevel.objects.get(number=1).members.add(user)
    assert agent_levels(user) == []


@pytest.mark.parametrize(
    ("entered", "stored"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("+1 415 555 2671", "+14155552671"),
    ],
)
def test_phone_numbers_are_stored_as_e164(entered, stored):
    user = UserFactory(phone=entered)
    user.full_clean()
    assert user.phone == stored


@pytest.mark.parametrize("entered", ["0812345", "call me", "+62 1"])
def test_invalid_phone_numbers_are_refused_with_a_message(entered):
    from django.core.exceptions import ValidationError

    user = UserFactory(phone=entered)
    with pytest.raises(ValidationError, match="not a valid phone number"):
        user.full_clean()
