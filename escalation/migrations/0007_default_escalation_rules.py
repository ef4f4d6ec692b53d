from django.db import migrations

RULES = [
    {
        "name": "P1 not taken within 10 minutes at Level I goes to Level II",
        "level": 1,
        "priority": 1,
        "trigger": "not_taken",
        "minutes": 10,
        "escalate": True,
        "page_supervisors": False,
    },
    {
        "name": "Resolution breach at Level II goes to Level III and pages the supervisor",
        "level": 2,
        "priority": None,
        "trigger": "sla_threshold",
        "metric": "resolution",
        "threshold": "breached",
        "escalate": True,
        "page_supervisors": True,
    },
]


def create_rules(apps, schema_editor):
    EscalationRule = apps.get_model("escalation", "EscalationRule")
    for rule in RULES:
        EscalationRule.objects.get_or_create(name=rule["name"], defaults=rule)


class Migration(migrations.Migration):
    dependencies = [("escalation", "0006_escalation_rules")]
    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
