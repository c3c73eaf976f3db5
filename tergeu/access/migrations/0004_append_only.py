"""The database itself keeps the access log append-only: an entry is never updated or deleted,
whatever code talks to it. (A chain's head, `access_accesschain`, moves with each entry; the
verification compares it with the entries.)"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

MESSAGE = "access_accesslog is append-only: entries are never updated or deleted"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION access_accesslog_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER access_accesslog_no_update BEFORE UPDATE ON access_accesslog
    FOR EACH ROW EXECUTE FUNCTION access_accesslog_refuse_change();
CREATE TRIGGER access_accesslog_no_delete BEFORE DELETE ON access_accesslog
    FOR EACH ROW EXECUTE FUNCTION access_accesslog_refuse_change();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS access_accesslog_no_update ON access_accesslog;
DROP TRIGGER IF EXISTS access_accesslog_no_delete ON access_accesslog;
DROP FUNCTION IF EXISTS access_accesslog_refuse_change();
"""
SQLITE_UP = [
    "CREATE TRIGGER access_accesslog_no_update BEFORE UPDATE ON access_accesslog "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    "CREATE TRIGGER access_accesslog_no_delete BEFORE DELETE ON access_accesslog "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS access_accesslog_no_update;",
    "DROP TRIGGER IF EXISTS access_accesslog_no_delete;",
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
    dependencies = [("access", "0003_chained")]
    operations = [migrations.RunPython(up, down)]
