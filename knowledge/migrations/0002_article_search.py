"""Full-text search of articles on PostgreSQL: each language version keeps its words
(title weight A, text B) in a tsvector kept by a trigger in the same transaction as the
write, in the helpdesk's two text search configurations (tickets/migrations/0019), with a
GIN index. Other databases (SQLite) match through the article terms table."""

from django.db import migrations

CREATE = """
ALTER TABLE knowledge_articletranslation ADD COLUMN search tsvector NOT NULL DEFAULT ''::tsvector;
CREATE FUNCTION hd_article_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search := hd_words(NEW.title, 'A') || hd_words(left(NEW.body, 50000), 'B');
    RETURN NEW;
END $$;
CREATE TRIGGER article_search_row BEFORE INSERT OR UPDATE OF title, body ON knowledge_articletranslation
    FOR EACH ROW EXECUTE FUNCTION hd_article_search_row();
UPDATE knowledge_articletranslation SET search = hd_words(title, 'A') || hd_words(left(body, 50000), 'B');
SET CONSTRAINTS ALL IMMEDIATE;
CREATE INDEX article_search_idx ON knowledge_articletranslation USING gin (search);
SET CONSTRAINTS ALL DEFERRED;
"""

DROP = """
DROP INDEX IF EXISTS article_search_idx;
DROP TRIGGER IF EXISTS article_search_row ON knowledge_articletranslation;
DROP FUNCTION IF EXISTS hd_article_search_row();
ALTER TABLE knowledge_articletranslation DROP COLUMN IF EXISTS search;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial"), ("tickets", "0019_full_text_search")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
