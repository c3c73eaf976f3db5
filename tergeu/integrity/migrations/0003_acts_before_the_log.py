"""Acts recorded before the log existed are queued for it, in the order they were recorded (by
id: within a case, and within a compartment, that is their order in the chain). The sequencer
(`log_integrate`) places them."""

import hashlib

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CHUNK = 10_000


def queue(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Act = apps.get_model("journal", "Act")
    LogEntry = apps.get_model("integrity", "LogEntry")
    last = 0
    while True:
        # Only acts without an entry: the migration may be run again on a log in use.
        queued = Act.objects.filter(pk__gt=last, log_entry__isnull=True)
        rows = list(queued.order_by("pk").values_list("pk", "hash")[:CHUNK])
        if not rows:
            return
        LogEntry.objects.bulk_create(
            LogEntry(act_id=pk, leaf_hash=hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest())
            for pk, h in rows
        )
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("integrity", "0002_append_only"), ("journal", "0003_compartments")]
    operations = [migrations.RunPython(queue, migrations.RunPython.noop)]
