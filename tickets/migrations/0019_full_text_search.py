"""Full-text search on PostgreSQL: every ticket carries its words, kept by the database.

Two text search configurations suit both languages of the helpdesk: ``hd_simple`` (every
word as written, accents folded: Indonesian has no stemmer) and ``hd_english`` (accents
folded, English stems). A ticket's words are both at once, so "printers" finds "printer"
and "jaringan" finds "jaringan". ``search_public`` holds the subject (weight A), the
description (B) and the public replies (C); ``search_internal`` the internal notes.
Triggers keep both in the same transaction as the write: a new ticket or a changed subject
or description recomputes its row; new comments append their words to their tickets, and
edited, moved or deleted comments (erasure) recompute theirs, once per statement, so a
bulk insert updates each ticket once. Each column has its GIN index (staff search both,
word by word, so one word may be in a note and the other in a reply); a trigram index on
the subject finds misspelt and partial words. The columns are the database's alone: the ORM
never reads them (tickets/search.py queries them). Other databases (SQLite) search by
plain matching and get none of this.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

# Longest text of one ticket field or comment whose words are kept (a tsvector holds 1 MB).
DESCRIPTION_WORDS = 50000
COMMENT_WORDS = 20000

CREATE = f"""
CREATE TEXT SEARCH CONFIGURATION hd_simple (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION hd_simple
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, simple;
CREATE TEXT SEARCH CONFIGURATION hd_english (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION hd_english
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, english_stem;

CREATE FUNCTION hd_words(body text, weight "char") RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('hd_simple', coalesce(body, '')), weight)
        || setweight(to_tsvector('hd_english', coalesce(body, '')), weight) $$;

CREATE FUNCTION hd_ticket_words(subject text, description text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT hd_words(subject, 'A') || hd_words(left(description, {DESCRIPTION_WORDS}), 'B') $$;

-- One word of a search as a query: its lexeme as written (accents folded) or, when English
-- stems it otherwise, either; plainto_tsquery reads any text, so nothing typed is syntax.
CREATE FUNCTION hd_word_query(word text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN numnode(english) = 0 OR simple = english THEN simple
                WHEN numnode(simple) = 0 THEN english
                ELSE simple || english END
    FROM (SELECT plainto_tsquery('hd_simple', word) AS simple, plainto_tsquery('hd_english', word) AS english) q $$;

CREATE AGGREGATE hd_words_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');

ALTER TABLE tickets_ticket
    ADD COLUMN search_public tsvector NOT NULL DEFAULT ''::tsvector,
    ADD COLUMN search_internal tsvector NOT NULL DEFAULT ''::tsvector;

CREATE FUNCTION hd_ticket_search_rebuild(tickets bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tickets_ticket SET
        search_public = hd_ticket_words(subject, description) || coalesce((
            SELECT hd_words_agg(hd_words(left(c.body, {COMMENT_WORDS}), 'C') ORDER BY c.id)
            FROM tickets_comment c WHERE c.ticket_id = tickets_ticket.id AND NOT c.is_internal), ''),
        search_internal = coalesce((
            SELECT hd_words_agg(hd_words(left(c.body, {COMMENT_WORDS}), 'C') ORDER BY c.id)
            FROM tickets_comment c WHERE c.ticket_id = tickets_ticket.id AND c.is_internal), '')
    WHERE id = ANY(tickets);
EXCEPTION WHEN program_limit_exceeded THEN
    -- A conversation past what one tsvector holds (1 MB): its subject and description
    -- stay searchable, its comments not.
    UPDATE tickets_ticket SET search_public = hd_ticket_words(subject, description), search_internal = ''
    WHERE id = ANY(tickets);
END $$;

CREATE FUNCTION hd_ticket_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_public := hd_ticket_words(NEW.subject, NEW.description);
    IF TG_OP = 'UPDATE' THEN
        BEGIN
            NEW.search_public := NEW.search_public || coalesce((
                SELECT hd_words_agg(hd_words(left(c.body, {COMMENT_WORDS}), 'C') ORDER BY c.id)
                FROM tickets_comment c WHERE c.ticket_id = NEW.id AND NOT c.is_internal), '');
        EXCEPTION WHEN program_limit_exceeded THEN
            NULL;
        END;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ticket_search_row BEFORE INSERT OR UPDATE OF subject, description ON tickets_ticket
    FOR EACH ROW EXECUTE FUNCTION hd_ticket_search_row();

-- Comments added: each ticket's new words appended, once per statement (a bulk insert
-- of many comments updates each ticket once).
CREATE FUNCTION hd_comments_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tickets_ticket t SET
        search_public = t.search_public || coalesce(added.public, ''),
        search_internal = t.search_internal || coalesce(added.internal, '')
    FROM (
        SELECT ticket_id,
            hd_words_agg(hd_words(left(body, {COMMENT_WORDS}), 'C') ORDER BY id) FILTER (WHERE NOT is_internal) AS public,
            hd_words_agg(hd_words(left(body, {COMMENT_WORDS}), 'C') ORDER BY id) FILTER (WHERE is_internal) AS internal
        FROM added_rows GROUP BY ticket_id
    ) added
    WHERE t.id = added.ticket_id;
    RETURN NULL;
EXCEPTION WHEN program_limit_exceeded THEN
    PERFORM hd_ticket_search_rebuild(ARRAY(SELECT DISTINCT ticket_id FROM added_rows));
    RETURN NULL;
END $$;
CREATE TRIGGER comment_search_added AFTER INSERT ON tickets_comment
    REFERENCING NEW TABLE AS added_rows FOR EACH STATEMENT EXECUTE FUNCTION hd_comments_added();

-- Comments edited (erasure), moved or made internal, or deleted: their tickets recomputed.
CREATE FUNCTION hd_comments_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hd_ticket_search_rebuild(ARRAY(
        SELECT before.ticket_id FROM old_rows before JOIN new_rows after ON after.id = before.id
        WHERE after.body IS DISTINCT FROM before.body OR after.is_internal IS DISTINCT FROM before.is_internal
            OR after.ticket_id IS DISTINCT FROM before.ticket_id
        UNION
        SELECT after.ticket_id FROM old_rows before JOIN new_rows after ON after.id = before.id
        WHERE after.ticket_id IS DISTINCT FROM before.ticket_id));
    RETURN NULL;
END $$;
CREATE TRIGGER comment_search_changed AFTER UPDATE ON tickets_comment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hd_comments_changed();

CREATE FUNCTION hd_comments_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hd_ticket_search_rebuild(ARRAY(SELECT DISTINCT ticket_id FROM old_rows));
    RETURN NULL;
END $$;
CREATE TRIGGER comment_search_removed AFTER DELETE ON tickets_comment
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hd_comments_removed();

-- The tickets already there: their own words, then their comments' (two statements).
UPDATE tickets_ticket SET search_public = hd_ticket_words(subject, description);
UPDATE tickets_ticket t SET
    search_public = t.search_public || coalesce(words.public, ''),
    search_internal = coalesce(words.internal, '')
FROM (
    SELECT ticket_id,
        hd_words_agg(hd_words(left(body, {COMMENT_WORDS}), 'C') ORDER BY id) FILTER (WHERE NOT is_internal) AS public,
        hd_words_agg(hd_words(left(body, {COMMENT_WORDS}), 'C') ORDER BY id) FILTER (WHERE is_internal) AS internal
    FROM tickets_comment GROUP BY ticket_id
) words
WHERE t.id = words.ticket_id;

-- The foreign-key checks those updates queued run now, so the indexes can be built.
SET CONSTRAINTS ALL IMMEDIATE;
CREATE INDEX ticket_search_public_idx ON tickets_ticket USING gin (search_public);
CREATE INDEX ticket_search_internal_idx ON tickets_ticket USING gin (search_internal);
CREATE INDEX ticket_subject_trgm_idx ON tickets_ticket USING gin (subject gin_trgm_ops);
SET CONSTRAINTS ALL DEFERRED;
"""

DROP = """
DROP INDEX IF EXISTS ticket_subject_trgm_idx;
DROP INDEX IF EXISTS ticket_search_internal_idx;
DROP INDEX IF EXISTS ticket_search_public_idx;
DROP TRIGGER IF EXISTS comment_search_removed ON tickets_comment;
DROP TRIGGER IF EXISTS comment_search_changed ON tickets_comment;
DROP TRIGGER IF EXISTS comment_search_added ON tickets_comment;
DROP FUNCTION IF EXISTS hd_comments_removed();
DROP FUNCTION IF EXISTS hd_comments_changed();
DROP FUNCTION IF EXISTS hd_comments_added();
DROP TRIGGER IF EXISTS ticket_search_row ON tickets_ticket;
DROP FUNCTION IF EXISTS hd_ticket_search_row();
DROP FUNCTION IF EXISTS hd_ticket_search_rebuild(bigint[]);
ALTER TABLE tickets_ticket DROP COLUMN IF EXISTS search_public, DROP COLUMN IF EXISTS search_internal;
DROP AGGREGATE IF EXISTS hd_words_agg(tsvector);
DROP FUNCTION IF EXISTS hd_word_query(text);
DROP FUNCTION IF EXISTS hd_ticket_words(text, text);
DROP FUNCTION IF EXISTS hd_words(text, "char");
DROP TEXT SEARCH CONFIGURATION IF EXISTS hd_english;
DROP TEXT SEARCH CONFIGURATION IF EXISTS hd_simple;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0018_ticket_source_message_id")]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunPython(create, drop, elidable=False),
    ]
