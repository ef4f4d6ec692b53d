import factory
from django.contrib.auth import get_user_model

from accounts.choices import Role
from accounts.models import SupportLevel
from accounts.services import user_set_role
from tickets.choices import Impact, Urgency, priority_for
from tickets.models import Category, Ticket


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_requester(**kwargs):
    user = UserFactory(**kwargs)
    user_set_role(user=user, role=Role.REQUESTER)
    return user


def make_agent(*levels: int, **kwargs):
    user = UserFactory(**kwargs)
    user_set_role(user=user, role=Role.AGENT)
    for level in SupportLevel.objects.filter(number__in=levels):
        level.members.add(user)
    return user


def make_supervisor(**kwargs):
    user = UserFactory(**kwargs)
    user_set_role(user=user, role=Role.SUPERVISOR)
    return user


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket row as if filed earlier (no events, no notifications): for reads and setup."""

    class Meta:
        model = Ticket

    requester = factory.LazyFunction(make_requester)
    subject = factory.Sequence(lambda n: f"Printer problem {n}")
    description = "It does not print."
    impact = Impact.LOW
    urgency = Urgency.MEDIUM
    priority = factory.LazyAttribute(lambda t: priority_for(impact=t.impact, urgency=t.urgency))
    level = 1


def category(name: str) -> Category:
    return Category.objects.get(name=name)
