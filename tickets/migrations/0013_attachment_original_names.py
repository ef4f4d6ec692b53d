"""Attachments are stored under names of their own from now on, and the name a person gave
a file lives in ``original_name`` alone, shown on pages and offered on download. Files
stored before keep their place; their rows get the same clean names new uploads get: the
last path part only, no control or invisible characters (a CR/LF could not even go into a
download header), at most 255 characters. A row whose name cleans to nothing takes the
stored file's own base name."""

import re
import unicodedata
from pathlib import PurePosixPath

from django.db import migrations, models

# As tickets.validators.attachment_name_clean was at this migration (a migration keeps
# its own copy, so it does the same whatever that function becomes).
NAME_MAX_LENGTH = 255
SEPARATORS = re.compile(r"[/\\]")


def name_clean(name) -> str:
    name = unicodedata.normalize("NFC", str(name or ""))
    name = SEPARATORS.split(name)[-1]
    name = "".join(character for character in name if character.isprintable()).strip()
    if name in {".", ".."}:
        return ""
    if len(name) > NAME_MAX_LENGTH:
        suffix = PurePosixPath(name).suffix
        suffix = suffix if len(suffix) <= 16 else ""
        name = name[: NAME_MAX_LENGTH - len(suffix)].rstrip() + suffix
    return name


def original_names_clean(apps, schema_editor):
    Attachment = apps.get_model("tickets", "Attachment")
    changed = []
    for attachment in Attachment.objects.only("pk", "file", "original_name").order_by("pk").iterator(chunk_size=2000):
        name = name_clean(attachment.original_name) or name_clean(attachment.file.name) or "attachment"
        if name != attachment.original_name:
            attachment.original_name = name
            changed.append(attachment)
    Attachment.objects.bulk_update(changed, ["original_name"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0012_report_covering_indexes")]

    operations = [
        migrations.AlterField(
            model_name="attachment",
            name="content_type",
            field=models.CharField(
                help_text="Read from the file's content, not taken from the sender.",
                max_length=100,
                verbose_name="content type",
            ),
        ),
        migrations.AlterField(
            model_name="attachment",
            name="original_name",
            field=models.CharField(
                help_text="As the person named it; the file is stored under a name of its own.",
                max_length=255,
                verbose_name="file name",
            ),
        ),
        migrations.RunPython(original_names_clean, migrations.RunPython.noop),
    ]
