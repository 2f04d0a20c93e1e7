"""Append-only guard on PostgreSQL: a trigger refuses UPDATE and DELETE on audit entries, and
DELETE of the chain head.

Defence in depth, not the integrity proof: the table owner (a DBA) can still disable the trigger
or TRUNCATE the table (row triggers do not fire on TRUNCATE; Django's test flush relies on it).
`manage audit verify` detects every such change through the SM3 hash chain. SQLite has no
separate database roles to protect against, so nothing is installed there."""

from django.db import migrations

FORWARD_SQL = """
CREATE OR REPLACE FUNCTION tongban_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit entries are written only by tongban.audit.services.audit_record.';
END;
$$;

CREATE TRIGGER audit_auditentry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION tongban_audit_append_only();

CREATE TRIGGER audit_auditchainhead_no_delete
    BEFORE DELETE ON audit_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION tongban_audit_append_only();
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS audit_auditchainhead_no_delete ON audit_auditchainhead;
DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS tongban_audit_append_only();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD_SQL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_actor_keeps_deleted_user_id")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
