"""Support levels moved to accounts, calendars and SLA clocks to sla, the outbox to
notifications. Their tables stay as they are (the new apps' first migrations take them
over); only Django's record of which app owns each model moves, and the content types
with it, so permissions granted on them (and admin history) follow."""

from django.db import migrations

MOVED = {
    "supportlevel": "accounts",
    "calendar": "sla",
    "workingperiod": "sla",
    "holiday": "sla",
    "slapolicy": "sla",
    "slaclock": "sla",
    "slaevent": "sla",
    "notification": "notifications",
    "webhookendpoint": "notifications",
    "notificationpreference": "notifications",
}


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app_label in MOVED.items():
        old = ContentType.objects.filter(app_label="escalation", model=model).first()
        if old is None:
            continue
        # A content type made for the new app before this ran (a migrate that stopped
        # half way) holds nothing the old one does not: the old one, with its
        # permissions and history, takes its place.
        ContentType.objects.filter(app_label=app_label, model=model).delete()
        old.app_label = app_label
        old.save(update_fields=["app_label"])


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app_label in MOVED.items():
        ContentType.objects.filter(app_label="escalation", model=model).delete()
        ContentType.objects.filter(app_label=app_label, model=model).update(app_label="escalation")


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0011_webhooks"),
        ("accounts", "0006_support_level_from_escalation"),
        ("sla", "0001_initial"),
        ("notifications", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                # Models that point at another moved model go first.
                migrations.DeleteModel(name="SlaPolicy"),
                migrations.DeleteModel(name="WorkingPeriod"),
                migrations.DeleteModel(name="Holiday"),
                migrations.DeleteModel(name="Calendar"),
                migrations.DeleteModel(name="SlaClock"),
                migrations.DeleteModel(name="SlaEvent"),
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="WebhookEndpoint"),
                migrations.DeleteModel(name="NotificationPreference"),
                migrations.DeleteModel(name="SupportLevel"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
