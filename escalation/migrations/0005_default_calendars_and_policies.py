from datetime import time

from django.db import migrations

OFFICE = "Office hours (WIB)"
ALWAYS = "Around the clock"

# priority: (calendar, first response minutes, resolution minutes)
POLICIES = {
    1: (ALWAYS, 15, 4 * 60),
    2: (OFFICE, 60, 9 * 60),  # one business day
    3: (OFFICE, 4 * 60, 3 * 9 * 60),  # three business days
    4: (OFFICE, 9 * 60, 5 * 9 * 60),  # one / five business days
}


def create_defaults(apps, schema_editor):
    Calendar = apps.get_model("escalation", "Calendar")
    WorkingPeriod = apps.get_model("escalation", "WorkingPeriod")
    SlaPolicy = apps.get_model("escalation", "SlaPolicy")
    office, created = Calendar.objects.get_or_create(
        name=OFFICE, defaults={"time_zone": "Asia/Jakarta", "indonesian_holidays": True}
    )
    if created:
        for weekday in range(5):
            WorkingPeriod.objects.create(calendar=office, weekday=weekday, start=time(8), end=time(17))
    always, _created = Calendar.objects.get_or_create(
        name=ALWAYS, defaults={"time_zone": "Asia/Jakarta", "always_open": True, "indonesian_holidays": False}
    )
    calendars = {OFFICE: office, ALWAYS: always}
    for priority, (calendar, response, resolution) in POLICIES.items():
        SlaPolicy.objects.get_or_create(
            priority=priority,
            category=None,
            defaults={
                "calendar": calendars[calendar],
                "first_response_minutes": response,
                "resolution_minutes": resolution,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("escalation", "0004_sla")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
