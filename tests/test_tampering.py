"""Tampering with what is stored, as someone with the database owner's rights or access to the
file store could, is found by `manage.py verify`: an act edited, a node of the Merkle log, an
access-log entry, a stored file's bytes, an attachment pointed at other bytes, a signed
document put in the place of another act's. An untouched store verifies. An access-log chain
cut short or rewritten with its head moved to match is consistent on its own, and found
against the heads `log_checkpoint` anchored outside the database."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from tergeu.access.anchor import heads_parse
from tergeu.access.audit import access_append
from tergeu.access.models import AccessChain, AccessLog, Surface
from tergeu.attachments.models import Blob, CaseAttachment
from tergeu.integrity.services import log_integrate
from tergeu.journal.canonical import GENESIS_HASH, utc_text
from tergeu.signing.models import SignedDocument
from tests.conftest import ApiClient, World, open_case
from tests.test_act_signing import covert, signed_everything  # noqa: F401 (a fixture)
from tests.test_audit import reads
from tests.test_covert import Covert
from tests.test_integrity import triggers_lifted, verify_command


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


# --- the access log against its anchored heads ---------------------------------------------------


def verify_access(*args: str) -> tuple[int, list[str]]:
    return verify_command("verify_access_log", *args)


@pytest.fixture
def anchored(world: World, tmp_path: Path) -> Path:
    """Alice read her case 4 times and Petra twice; `log_checkpoint` anchored their heads in
    the folder returned, and the log verifies against it."""
    case = open_case(world, notes=0)
    reads(ApiClient(world.alice), case, 4)
    reads(ApiClient(world.petra), case, 2)
    out = io.StringIO()
    call_command("log_checkpoint", str(tmp_path), stdout=out)
    assert "access-log heads of 2 chains written" in out.getvalue()
    header, *lines = (tmp_path / "access-heads.txt").read_text().splitlines()
    assert header.startswith("tergeu-access-heads/v1 ")
    heads = AccessChain.objects.filter(seq__gt=0).order_by("official_id")
    assert lines == [f"{h.official_id} {h.seq} {h.hash}" for h in heads]
    assert sorted(h.seq for h in heads) == [2, 4]
    assert verify_access("--checkpoint", str(tmp_path)) == (0, [])
    return tmp_path


def _label(folder: Path) -> str:
    anchor = heads_parse((folder / "access-heads.txt").read_bytes())
    return f"the checkpoint in {folder} ({utc_text(anchor.at)})"


def _cut(world: World, keep: int) -> None:
    """Remove Alice's entries after `keep` and move her chain's head back to match."""
    _sql(
        "DELETE FROM access_accesslog WHERE official_id = %s AND seq > %s",
        [world.alice.pk, keep],
        "access_accesslog",
    )
    last = AccessLog.objects.filter(official=world.alice, seq=keep).first()
    AccessChain.objects.filter(official=world.alice).update(
        seq=keep, hash=last.hash if last else GENESIS_HASH
    )


@pytest.mark.parametrize("keep", [2, 0])
def test_a_chain_cut_with_its_head_moved_back_is_found_against_the_checkpoint(
    keep: int, world: World, anchored: Path
) -> None:
    _cut(world, keep)
    # On its own the shorter chain is consistent: this is what the anchor is for.
    assert verify_access() == (0, [])

    status, problems = verify_access("--checkpoint", str(anchored))

    assert status == 1
    assert problems == [
        f"PROBLEM official {world.alice.pk}: the chain ends at entry {keep}, {_label(anchored)} "
        "anchored 4: entries were removed and the head moved back"
    ]


def test_a_chain_rewritten_to_its_anchored_length_is_found(world: World, anchored: Path) -> None:
    _cut(world, 2)
    for _ in range(2):  # entries 3 and 4 again, chained and hashed as the server would
        access_append(world.alice, surface=Surface.CLI, action="view_case")
    assert verify_access() == (0, [])

    status, problems = verify_access("--checkpoint", str(anchored))

    fourth = AccessLog.objects.get(official=world.alice, seq=4)
    assert status == 1
    assert problems == [
        f"PROBLEM official {world.alice.pk} entry 4 (id {fourth.pk}): its hash is not the one "
        f"{_label(anchored)} anchored: the chain was rewritten"
    ]


def test_chains_that_grew_after_the_checkpoint_verify(world: World, anchored: Path) -> None:
    case = open_case(world, notes=0)
    reads(ApiClient(world.alice), case, 3)
    reads(ApiClient(world.hector), case, 2)  # a chain the checkpoint does not hold

    out = io.StringIO()
    call_command("verify_access_log", "--checkpoint", str(anchored), stdout=out)

    assert "against 1 checkpoint (2 chain heads)" in out.getvalue()
    assert out.getvalue().rstrip().endswith(": 0 problems")


def _forged(folder: Path) -> None:
    """The heads rewritten to match Alice's chain cut to 2, the signature kept."""
    body = (folder / "access-heads.txt").read_text()
    (folder / "access-heads.txt").write_text(body.replace(" 4 ", " 2 "))


def _signed_by_another_key(folder: Path) -> None:
    _forged(folder)
    key = ed25519.Ed25519PrivateKey.generate()
    (folder / "access-heads.sig").write_bytes(key.sign((folder / "access-heads.txt").read_bytes()))


@pytest.mark.parametrize("forge", [_forged, _signed_by_another_key], ids=lambda f: f.__name__)
def test_altered_heads_fail_on_their_signature(
    forge: Callable[[Path], None], world: World, anchored: Path
) -> None:
    _cut(world, 2)
    forge(anchored)

    with pytest.raises(CommandError, match="signature of access-heads.txt does not verify"):
        call_command("verify_access_log", "--checkpoint", str(anchored), stdout=io.StringIO())


@pytest.mark.parametrize("missing", ["access-heads.txt", "access-heads.sig"])
def test_missing_heads_are_named(missing: str, anchored: Path) -> None:
    (anchored / missing).unlink()

    with pytest.raises(CommandError, match=f"no access-log heads .*{missing}$"):
        call_command("verify_access_log", "--checkpoint", str(anchored), stdout=io.StringIO())
