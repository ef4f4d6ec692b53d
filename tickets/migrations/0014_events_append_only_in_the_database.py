"""The audit trail is append-only in the database too: on PostgreSQL a trigger refuses every
UPDATE and DELETE of a ticket event, whatever the client, unless the transaction has set
``helpdesk.audit_erase`` (tickets.services.erase.tickets_erase, the one way to delete tickets
with their history). SQLite, the embedded default, keeps the guard in the model alone."""

from django.db import migrations

CREATE = """
CREATE FUNCTION tickets_ticketevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('helpdesk.audit_erase', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'ticket events are append-only: % of event % refused', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER tickets_ticketevent_append_only
    BEFORE UPDATE OR DELETE ON tickets_ticketevent
    FOR EACH ROW EXECUTE FUNCTION tickets_ticketevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS tickets_ticketevent_append_only ON tickets_ticketevent;
DROP FUNCTION IF EXISTS tickets_ticketevent_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0013_attachment_original_names")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
