from django.db import migrations


class Migration(migrations.Migration):
    """The outbox's tables get this app's names (their rows are untouched)."""

    dependencies = [
        ("notifications", "0001_initial"),
        ("escalation", "0012_models_to_their_apps"),
    ]

    operations = [
        migrations.AlterModelTable(name="notification", table=None),
        migrations.AlterModelTable(name="notificationpreference", table=None),
        migrations.AlterModelTable(name="webhookendpoint", table=None),
    ]
