"""Backup and restore (scripts/backup.sh, scripts/restore.sh) on PostgreSQL: a case file with
signed documents, an attachment and access-log entries is backed up while the database is in
use, restored into an empty database and an empty document store, and proven there against
the signed tree head and the access log's signed chain heads kept with the backup. A backup
whose dump was altered is refused."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tergeu.access.models import AccessChain
from tergeu.integrity.services import log_integrate
from tests.conftest import ApiClient
from tests.test_act_signing import covert, signed_everything  # noqa: F401 (a fixture)
from tests.test_covert import Covert

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql"),
    reason="pg_dump and pg_restore need PostgreSQL",
)


def _url(name: str) -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _run(*command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (the project's own scripts)
        command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )


@pytest.mark.usefixtures("flushable_journal")
def test_a_backup_restores_into_an_empty_database_and_verifies(
    covert: Covert,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    signed_everything(covert)
    alice = ApiClient(covert.world.alice)
    uploaded = alice.upload(f"/cases/{covert.case.pk}/attachments", "a.txt", b"the notes")
    assert uploaded.status_code == 201, uploaded.json()
    assert alice.get(f"/cases/{covert.case.pk}").status_code == 200
    log_integrate()
    env = {
        "TERGEU_DEV": "1",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TERGEU_DEV_CA_DIR": str(settings.TERGEU_DEV_CA_DIR),
    }
    backup = tmp_path / "backup"
    made = _run(
        "scripts/backup.sh",
        str(backup),
        env={**env, "DATABASE_URL": _url(connection.settings_dict["NAME"])},
    )
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in backup.iterdir()) == [
        "SHA256SUMS", "access-heads.sig", "access-heads.txt", "checkpoint.sig", "checkpoint.txt",
        "database.dump", "media.tar",
    ]  # fmt: skip
    summed = (backup / "SHA256SUMS").read_text()
    assert all(f"  {name}\n" in summed for name in ("access-heads.txt", "access-heads.sig"))
    anchored = AccessChain.objects.filter(seq__gt=0).count()
    assert anchored > 0

    target = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}"')
        cursor.execute(f'CREATE DATABASE "{target}"')
    try:
        restored_media = tmp_path / "restored-media"
        restored = _run(
            "scripts/restore.sh", str(backup), _url(target), str(restored_media), env=env
        )
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert "the checkpoint in" not in restored.stdout  # no problem names it
        assert f"against 1 checkpoint ({anchored} chain heads)" in restored.stdout
        assert "all verified" in restored.stdout
        assert "restored from" in restored.stdout
        assert (restored_media / "blobs").is_dir()

        # An altered dump is refused before anything is restored.
        with (backup / "database.dump").open("r+b") as dump:
            dump.seek(-10, os.SEEK_END)
            dump.write(b"0123456789")
        refused = _run(
            "scripts/restore.sh", str(backup), _url(target), str(tmp_path / "m2"), env=env
        )
        assert refused.returncode != 0
        assert "FAILED" in refused.stdout + refused.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
