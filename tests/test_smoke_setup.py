import pytest
from django.contrib.auth.models import Group

from accounts.choices import Role
from accounts.models import SupportLevel
from tickets.models import Category


@pytest.mark.django_db
def test_migrations_create_the_roles_levels_and_default_categories():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    assert list(SupportLevel.objects.values_list("number", flat=True)) == [1, 2, 3]
    assert Category.objects.get(name="Server down").default_level == 2
    assert Category.objects.get(name="Password and account").default_level == 1
