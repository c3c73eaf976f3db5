"""Every official has an access-log chain from the start (an empty one for those who have read
nothing yet), so that a first read costs what every read costs."""

from typing import Any

from django.db import migrations

GENESIS_HASH = "0" * 64


def start(apps: Any, schema_editor: Any) -> None:
    heads = apps.get_model("access", "AccessChain")
    officials = apps.get_model("accounts", "Official")
    have = set(heads.objects.values_list("official_id", flat=True))
    heads.objects.bulk_create(
        [
            heads(official_id=pk, seq=0, hash=GENESIS_HASH)
            for pk in officials.objects.values_list("pk", flat=True)
            if pk not in have
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("access", "0004_append_only")]
    operations = [migrations.RunPython(start, migrations.RunPython.noop)]
