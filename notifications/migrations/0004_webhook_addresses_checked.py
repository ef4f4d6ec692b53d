import re

from django.db import migrations, models

import notifications.webhooks

BATCH = 1000
# How a failed webhook was recorded before: the status, then what the receiver wrote back.
ANSWERED = re.compile(r"^(NotificationError: Webhook answered \d+)(?::.*)?$", re.DOTALL)


def receiver_answers_forgotten(apps, schema_editor):
    """The errors of webhook deliveries kept the first 200 characters the receiver wrote
    back (shown on the Deliveries page); only the status code stays."""
    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.filter(
        channel="webhook", last_error__startswith="NotificationError: Webhook answered "
    ).only("last_error")
    batch = []
    for row in rows.iterator(chunk_size=BATCH):
        match = ANSWERED.match(row.last_error)
        if match is None or match[1] == row.last_error:
            continue
        row.last_error = match[1]
        batch.append(row)
        if len(batch) == BATCH:
            Notification.objects.bulk_update(batch, ["last_error"])
            batch = []
    Notification.objects.bulk_update(batch, ["last_error"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_outbox_headers_account_mail"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhookendpoint",
            name="url",
            field=models.URLField(
                help_text="Where the events are POSTed (https:// in production). Addresses of this server and of "
                "internal networks are refused.",
                max_length=500,
                validators=[notifications.webhooks.webhook_url_validate],
                verbose_name="URL",
            ),
        ),
        # What was forgotten is not brought back.
        migrations.RunPython(receiver_answers_forgotten, migrations.RunPython.noop),
    ]
