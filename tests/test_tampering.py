"""Tampering with what is stored, as someone with the database owner's rights or access to the
file store could, is found by `manage.py verify`: an act edited, a node of the Merkle log, an
access-log entry, a stored file's bytes, an attachment pointed at other bytes, a signed
document put in the place of another act's. An untouched store verifies."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from tergeu.attachments.models import Blob, CaseAttachment
from tergeu.integrity.services import log_integrate
from tergeu.signing.models import SignedDocument
from tests.conftest import ApiClient
from tests.test_act_signing import covert, signed_everything  # noqa: F401 (a fixture)
from tests.test_covert import Covert
from tests.test_integrity import triggers_lifted


def verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify", stdout=out, stderr=io.StringIO())
        status = 0
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    return status, out.getvalue()


@pytest.fixture
def stored(covert: Covert) -> Covert:  # noqa: F811 (the fixture imported above)
    """The covert case with every document signed, an attachment, reads in the access log,
    everything placed in the Merkle log; it verifies."""
    signed_everything(covert)
    alice = ApiClient(covert.world.alice)
    uploaded = alice.upload(f"/cases/{covert.case.pk}/attachments", "a.txt", b"the notes")
    assert uploaded.status_code == 201, uploaded.json()
    assert alice.get(f"/cases/{covert.case.pk}").status_code == 200
    log_integrate()
    status, out = verify()
    assert status == 0, out
    assert out.splitlines()[-1] == "all verified"
    return covert


def _sql(sql: str, params: list[Any], *tables: str) -> None:
    with triggers_lifted(*tables), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _act_edited(scene: Covert) -> None:
    _sql(
        "UPDATE journal_act SET payload = %s WHERE case_id = %s AND seq = 1 "
        "AND compartment_id IS NULL",
        ['{"edited": true}', scene.case.pk],
        "journal_act",
    )


def _node_edited(scene: Covert) -> None:
    _sql("UPDATE integrity_lognode SET hash = %s", [b"\x01" * 32], "integrity_lognode")


def _access_edited(scene: Covert) -> None:
    _sql("UPDATE access_accesslog SET address = %s", ["192.0.2.1"], "access_accesslog")


def _file_overwritten(scene: Covert) -> None:
    attachment = CaseAttachment.objects.get(case=scene.case)
    path = Path(default_storage.path(attachment.blob.storage_name))
    path.write_bytes(b"other notes")


def _attachment_repointed(scene: Covert) -> None:
    other = SignedDocument.objects.order_by("pk").first()
    assert other is not None
    CaseAttachment.objects.filter(case=scene.case).update(blob=other.pdf_id)


def _document_swapped(scene: Covert) -> None:
    first, *_rest, last = SignedDocument.objects.order_by("act_id", "revision")
    assert first.act_id != last.act_id
    SignedDocument.objects.filter(pk=first.pk).update(pdf=last.pdf_id)


def _blob_removed(scene: Covert) -> None:
    attachment = CaseAttachment.objects.get(case=scene.case)
    default_storage.delete(attachment.blob.storage_name)
    assert Blob.objects.filter(pk=attachment.blob_id).exists()


@pytest.mark.parametrize(
    ("tamper", "found"),
    [
        (_act_edited, "the journals"),
        (_node_edited, "the integrity log"),
        (_access_edited, "the access log"),
        (_file_overwritten, "the stored documents"),
        (_attachment_repointed, "the stored documents"),
        (_document_swapped, "the stored documents"),
        (_blob_removed, "the stored documents"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_tampering_is_found(tamper: Callable[[Covert], None], found: str, stored: Covert) -> None:
    tamper(stored)
    status, out = verify()
    assert status == 1, out
    assert f"FAILED: {found}" in out.splitlines()[-1], out
    assert "PROBLEM " in out
