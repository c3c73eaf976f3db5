"""The indicators' definitions grew (house arrest, bail, other sanctions, appeals by who filed
them and by outcome): the rollups are emptied, and the next refresh counts the whole journal
again under the new definitions (`stats_refresh`; the worker does it on its next pass)."""

from typing import Any

from django.db import migrations


def forget(apps: Any, schema_editor: Any) -> None:
    for name in ("Occurrence", "Fact", "Chain"):
        apps.get_model("statistics", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("statistics", "0001_initial")]

    operations = [migrations.RunPython(forget, migrations.RunPython.noop)]
