import pytest
from django.contrib.auth import backends
from django.contrib.auth.models import Group, Permission

from accounts.backends import ModelBackend
from tests.factories import UserFactory, make_agent, make_requester, make_supervisor

pytestmark = pytest.mark.django_db


def _fresh(user):
    """The person as a new request sees them: nothing cached on the object."""
    return type(user).objects.get(pk=user.pk)


def test_permissions_are_django_s_own_read_in_one_statement(django_assert_num_queries):
    extra = Group.objects.create(name="Vendor liaison")
    extra.permissions.add(Permission.objects.get(codename="change_category"))
    both = make_agent(1)
    both.groups.add(extra)
    both.user_permissions.add(Permission.objects.get(codename="view_ticketevent"))
    own_only = UserFactory()
    own_only.user_permissions.add(Permission.objects.get(codename="add_ticket"))
    people = [make_requester(), make_agent(2), make_supervisor(), both, own_only, UserFactory()]
    for person in people:
        fresh = _fresh(person)
        with django_assert_num_queries(1):
            ours = ModelBackend().get_all_permissions(fresh)
        assert ours == backends.ModelBackend().get_all_permissions(_fresh(person))
    assert {"tickets.work_ticket", "tickets.change_category", "tickets.view_ticketevent"} <= ours_of(both)
    assert ours_of(people[-1]) == set()


def ours_of(person) -> set[str]:
    return ModelBackend().get_all_permissions(_fresh(person))


def test_a_superuser_has_every_permission_and_an_inactive_person_none():
    boss = UserFactory(is_superuser=True)
    assert ours_of(boss) == backends.ModelBackend().get_all_permissions(_fresh(boss))
    assert len(ours_of(boss)) == Permission.objects.count()
    gone = make_supervisor()
    gone.is_active = False
    gone.save()
    assert ours_of(gone) == set()
    assert not _fresh(gone).has_perm("tickets.supervise_ticket")


def test_the_permissions_are_read_once_per_person_object(django_assert_num_queries):
    agent = _fresh(make_agent(1))
    with django_assert_num_queries(1):
        assert agent.has_perm("tickets.work_ticket")
        assert not agent.has_perm("tickets.supervise_ticket")
        assert agent.has_module_perms("tickets")
