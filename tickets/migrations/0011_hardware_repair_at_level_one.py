"""A broken laptop goes to the front line first: "Hardware repair or replacement" routes
new tickets to Level I, which collects what is wrong and what is affected before Level
III (design faults, the vendor) is asked. Only a category still exactly as shipped is
changed: one an administrator has edited keeps their choice."""

from django.db import migrations

NAME = "Hardware repair or replacement"
SHIPPED = {"default_level": 3, "default_impact": "medium", "description": "Faulty components to repair or replace, with the vendor."}
NOW = {
    "default_level": 1,
    "default_impact": "medium",
    "description": "Broken or faulty laptops, PCs and parts to repair or replace; Level I collects the details first.",
}


def _move(apps, old: dict, new: dict) -> None:
    Category = apps.get_model("tickets", "Category")
    Category.objects.filter(name=NAME, **old).update(**new)


def route_hardware_repair_to_level_one(apps, schema_editor):
    _move(apps, SHIPPED, NOW)


def route_hardware_repair_to_level_three(apps, schema_editor):
    _move(apps, NOW, SHIPPED)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_fk_indexes_covered")]
    operations = [migrations.RunPython(route_hardware_repair_to_level_one, route_hardware_repair_to_level_three)]
