"""The single-column indexes Django made for the requester and assignee foreign keys are
covered by ticket_requester_idx and ticket_assignee_idx, which lead with the same column;
each one only cost every ticket write an index entry. Only the indexes are dropped: the
foreign key constraints stay as they are (no re-validation of every row)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COLUMNS = ("requester_id", "assignee_id")


def _plain_indexes(schema_editor, table: str, column: str) -> list[str]:
    """Names of the non-unique indexes on exactly ``column`` that the model does not name."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, info in constraints.items()
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == [column]
    ]


def _drop(apps, schema_editor):
    table = apps.get_model("tickets", "Ticket")._meta.db_table
    for column in COLUMNS:
        for name in _plain_indexes(schema_editor, table, column):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def _create(apps, schema_editor):
    model = apps.get_model("tickets", "Ticket")
    for column in COLUMNS:
        if not _plain_indexes(schema_editor, model._meta.db_table, column):
            field = model._meta.get_field(column.removesuffix("_id"))
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0009_live_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ticket",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="assigned_tickets",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="assignee",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="requester",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="requested_tickets",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="requester",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(_drop, _create)],
        ),
    ]
