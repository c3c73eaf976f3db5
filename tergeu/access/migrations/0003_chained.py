"""The access log becomes a hash chain per official (existing entries are chained in the order
they were written), gains where a read came from and whether it was a break-glass read; the
break-glass grants."""

import hashlib
import json
from datetime import UTC
from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

GENESIS_HASH = "0" * 64


def _utc(moment: Any) -> str:
    m = moment.astimezone(UTC)
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
        f".{m.microsecond:06d}Z"
    )


def chain(apps: Any, schema_editor: Any) -> None:
    """Chain the entries written before the chain existed, as `tergeu.access.audit` does."""
    entries = apps.get_model("access", "AccessLog")
    heads = apps.get_model("access", "AccessChain")
    current, prev, seq = None, GENESIS_HASH, 0
    pending: list[Any] = []

    def close() -> None:
        entries.objects.bulk_update(pending, ["seq", "prev_hash", "hash"], batch_size=1000)
        pending.clear()
        heads.objects.create(official_id=current, seq=seq, hash=prev)

    for entry in entries.objects.order_by("official_id", "at", "pk").iterator(chunk_size=5000):
        if entry.official_id != current:
            if current is not None:
                close()
            current, prev, seq = entry.official_id, GENESIS_HASH, 0
        seq += 1
        document = {
            "official": entry.official_id,
            "seq": seq,
            "case": entry.case_id,
            "action": entry.action,
            "surface": entry.surface,
            "at": _utc(entry.at),
            "detail": entry.detail,
            "address": entry.address,
            "break_glass": entry.break_glass,
            "prev_hash": prev,
        }
        data = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = prev = hashlib.sha256(data.encode()).hexdigest()
        pending.append(entry)
    if current is not None:
        close()


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_initial"),
        ("cases", "0013_case_unit_stage"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="address",
            field=models.CharField(blank=True, default="", max_length=45),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accesslog",
            name="break_glass",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="seq",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="prev_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accesslog",
            name="hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AccessChain",
            fields=[
                (
                    "official",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.CreateModel(
            name="BreakGlass",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.TextField()),
                ("granted_at", models.DateTimeField()),
                ("until", models.DateTimeField()),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="cases.case",
                    ),
                ),
                (
                    "official",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["official", "until"], name="breakglass_open")
                ],
            },
        ),
        migrations.RunPython(chain, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="accesslog",
            name="seq",
            field=models.PositiveBigIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="accesslog",
            constraint=models.UniqueConstraint(
                fields=("official", "seq"), name="accesslog_chain"
            ),
        ),
    ]
