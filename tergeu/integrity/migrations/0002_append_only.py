"""The database itself keeps the integrity log append-only: no row of entries, nodes, tree heads
or their time-stamps is ever deleted, and none is updated — except that the sequencer gives a
queued entry its leaf index, once."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

MESSAGE = "the integrity log is append-only: its rows are never updated or deleted"
PLACE_ONLY = (
    "OLD.leaf_index IS NULL AND NEW.leaf_index IS NOT NULL AND NEW.id = OLD.id "
    "AND NEW.act_id = OLD.act_id AND NEW.leaf_hash = OLD.leaf_hash"
)
FROZEN = ("integrity_lognode", "integrity_treehead", "integrity_headtimestamp")

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION integrity_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%: {MESSAGE}', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION integrity_logentry_place_only() RETURNS trigger AS $$
BEGIN
    IF {PLACE_ONLY} THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '%: {MESSAGE}', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER integrity_logentry_no_update BEFORE UPDATE ON integrity_logentry
    FOR EACH ROW EXECUTE FUNCTION integrity_logentry_place_only();
CREATE TRIGGER integrity_logentry_no_delete BEFORE DELETE ON integrity_logentry
    FOR EACH ROW EXECUTE FUNCTION integrity_refuse_change();
""" + "".join(
    f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION integrity_refuse_change();
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION integrity_refuse_change();
"""
    for table in FROZEN
)
POSTGRES_DOWN = "".join(
    f"DROP TRIGGER IF EXISTS {table}_no_update ON {table};\n"
    f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table};\n"
    for table in ("integrity_logentry", *FROZEN)
) + (
    "DROP FUNCTION IF EXISTS integrity_refuse_change();\n"
    "DROP FUNCTION IF EXISTS integrity_logentry_place_only();\n"
)
SQLITE_UP = [
    "CREATE TRIGGER integrity_logentry_no_update BEFORE UPDATE ON integrity_logentry "
    f"WHEN NOT ({PLACE_ONLY}) "
    f"BEGIN SELECT RAISE(ABORT, 'integrity_logentry: {MESSAGE}'); END;",
    "CREATE TRIGGER integrity_logentry_no_delete BEFORE DELETE ON integrity_logentry "
    f"BEGIN SELECT RAISE(ABORT, 'integrity_logentry: {MESSAGE}'); END;",
] + [
    f"CREATE TRIGGER {table}_{op} BEFORE {verb} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END;"
    for table in FROZEN
    for op, verb in (("no_update", "UPDATE"), ("no_delete", "DELETE"))
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {table}_{op};"
    for table in ("integrity_logentry", *FROZEN)
    for op in ("no_update", "no_delete")
]


def _run(schema_editor: BaseDatabaseSchemaEditor, postgres: str, sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # No parameters: the % of RAISE's format is not a placeholder.
        schema_editor.execute(postgres, None)
    elif vendor == "sqlite":
        for statement in sqlite:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"no append-only triggers for {vendor}")


def up(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, POSTGRES_UP, SQLITE_UP)


def down(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, POSTGRES_DOWN, SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("integrity", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
