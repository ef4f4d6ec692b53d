from django.db import migrations

LEVELS = [
    (1, "Level I — front line", "Collects the details, resolves common problems: passwords, accounts, access."),
    (2, "Level II — technical support", "Server downtime, performance monitoring, hosting and network faults."),
    (3, "Level III — specialists", "Critical systems, new problems, and work with vendors and developers."),
]


def create_levels(apps, schema_editor):
    SupportLevel = apps.get_model("escalation", "SupportLevel")
    for number, name, description in LEVELS:
        SupportLevel.objects.get_or_create(number=number, defaults={"name": name, "description": description})


class Migration(migrations.Migration):
    dependencies = [("escalation", "0001_initial")]
    operations = [migrations.RunPython(create_levels, migrations.RunPython.noop)]
