"""Data migrations, each run on a database filled at the schema before it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tickets.models import Category

BEFORE = [("tickets", "0010_fk_indexes_covered")]
AFTER = [("tickets", "0011_hardware_repair_at_level_one")]
HARDWARE = "Hardware repair or replacement"
SHIPPED = {
    "default_level": 3,
    "default_impact": "medium",
    "description": "Faulty components to repair or replace, with the vendor.",
}


@pytest.fixture
def migrate(transactional_db):
    """Migrate the test database to some migrations and hand back the models as they
    were there; afterwards, back to the latest schema."""

    def to(targets):
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    yield to
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def hardware_at_the_previous_schema(migrate, **changes):
    apps = migrate(BEFORE)
    OldCategory = apps.get_model("tickets", "Category")
    OldCategory.objects.filter(name=HARDWARE).delete()
    OldCategory.objects.create(name=HARDWARE, **{**SHIPPED, **changes})
    OldCategory.objects.get_or_create(name="Server down", defaults={"default_level": 2, "default_impact": "high"})


def test_the_shipped_hardware_category_is_routed_to_level_one(migrate):
    hardware_at_the_previous_schema(migrate)
    migrate(AFTER)
    hardware = Category.objects.get(name=HARDWARE)
    assert (hardware.default_level, hardware.default_impact) == (1, "medium")
    assert "Level I collects the details first" in hardware.description
    assert Category.objects.get(name="Server down").default_level == 2
    # And back: the category is as shipped again.
    migrate(BEFORE)
    assert Category.objects.filter(name=HARDWARE, **SHIPPED).exists()


@pytest.mark.parametrize(
    "changes",
    [{"default_level": 2}, {"description": "Our own words."}, {"default_impact": "high"}],
    ids=["level", "description", "impact"],
)
def test_a_hardware_category_an_administrator_changed_is_left_as_it_is(migrate, changes):
    hardware_at_the_previous_schema(migrate, **changes)
    migrate(AFTER)
    hardware = Category.objects.get(name=HARDWARE)
    assert {field: getattr(hardware, field) for field in SHIPPED} == {**SHIPPED, **changes}


def test_a_new_ticket_about_a_broken_laptop_starts_at_level_one(reference_data):
    from tests.factories import make_requester
    from tickets.services import ticket_create

    ticket = ticket_create(
        requester=make_requester(),
        subject="Laptop screen cracked",
        description="It fell off the desk.",
        category=Category.objects.get(name=HARDWARE),
        impact="low",
        urgency="medium",
    )
    assert ticket.level == 1
