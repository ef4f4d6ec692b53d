import django.db.models.deletion
from django.db import migrations, models

UNSENT = ["pending", "sending", "failed", "dead"]
BATCH = 1000


def ticket_header(apps, schema_editor):
    """Mail queued before this version still carries its ticket's reference once sent
    (the sender of a notification now names its headers itself)."""
    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.filter(channel="email", status__in=UNSENT, ticket__isnull=False).only("ticket_id")
    batch = []
    for row in rows.iterator(chunk_size=BATCH):
        row.headers = {"X-Helpdesk-Ticket": f"HD-{row.ticket_id:06d}"}
        batch.append(row)
        if len(batch) == BATCH:
            Notification.objects.bulk_update(batch, ["headers"])
            batch = []
    Notification.objects.bulk_update(batch, ["headers"])


class Migration(migrations.Migration):
    """Outbox rows name their own email headers, and may be about a person's account
    (a password reset) rather than a ticket."""

    dependencies = [
        ("notifications", "0002_tables"),
        ("tickets", "0010_fk_indexes_covered"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="headers",
            field=models.JSONField(blank=True, default=dict, verbose_name="headers"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("ticket_created", "Ticket received"),
                    ("reply", "Reply from support"),
                    ("escalated", "Ticket escalated"),
                    ("de_escalated", "Ticket sent back down"),
                    ("resolved", "Ticket resolved"),
                    ("requester_replied", "Requester replied"),
                    ("reopened", "Ticket reopened"),
                    ("sla_warning", "SLA warning"),
                    ("sla_breach", "SLA breached"),
                    ("supervisor_page", "Supervisor paged"),
                    ("password_reset", "Password reset"),
                ],
                max_length=32,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="ticket",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to="tickets.ticket",
            ),
        ),
        migrations.RunPython(ticket_header, migrations.RunPython.noop),
    ]
