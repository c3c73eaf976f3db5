"""The database itself refuses to change or remove an act, whatever code talks to it."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

MESSAGE = "journal_act is append-only: acts are never updated or deleted"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION journal_act_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER journal_act_no_update BEFORE UPDATE ON journal_act
    FOR EACH ROW EXECUTE FUNCTION journal_act_refuse_change();
CREATE TRIGGER journal_act_no_delete BEFORE DELETE ON journal_act
    FOR EACH ROW EXECUTE FUNCTION journal_act_refuse_change();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS journal_act_no_update ON journal_act;
DROP TRIGGER IF EXISTS journal_act_no_delete ON journal_act;
DROP FUNCTION IF EXISTS journal_act_refuse_change();
"""
SQLITE_UP = [
    f"CREATE TRIGGER journal_act_no_update BEFORE UPDATE ON journal_act "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER journal_act_no_delete BEFORE DELETE ON journal_act "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS journal_act_no_update;",
    "DROP TRIGGER IF EXISTS journal_act_no_delete;",
]


def _run(schema_editor: BaseDatabaseSchemaEditor, postgres: str, sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgres)
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
    dependencies = [("journal", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
