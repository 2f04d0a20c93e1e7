"""The full-text index of the database in use, keyed by SearchDocument.id: an FTS5 table on SQLite
(unicode61 over jieba-segmented, space-joined tokens; never the trigram tokenizer, which drops
Chinese words shorter than three characters) or a tsvector table with a GIN index on PostgreSQL
('simple' configuration: the tokens are already cut and normalised)."""

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "name, aliases, body, tags, tokenize='unicode61 remove_diacritics 0', detail=column)"
)
SQLITE_DROP = "DROP TABLE IF EXISTS search_fts"
# No foreign key to search_searchdocument: Django's flush (tests, `manage flush`) truncates only the
# tables it knows, and PostgreSQL refuses to TRUNCATE a table another table references. The
# backend deletes index rows itself whenever documents go.
POSTGRES_CREATE = (
    "CREATE TABLE IF NOT EXISTS search_tsv (doc_id bigint PRIMARY KEY, vec tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS search_tsv_vec ON search_tsv USING gin (vec)",
)
POSTGRES_DROP = ("DROP TABLE IF EXISTS search_tsv",)


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, [SQLITE_CREATE])
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_CREATE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, [SQLITE_DROP])
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_documents_terms_synonyms_stats")]

    operations = [migrations.RunPython(create, drop)]
