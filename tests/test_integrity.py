"""The integrity log: RFC 9162 hashing and proofs checked against a naive recursive reference
and the Certificate Transparency test vectors; every act (of a case or a compartment) queued in
its own transaction and placed by the sequencer; signed tree heads; inclusion proofs only for
those who may read the act; consistency proofs; and `verify_log` finding every SQL edit."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import importlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from tergeu_verify import merkle
from tergeu_verify.checkpoint import (
    ECDSA_P256,
    ED25519,
    Checkpoint,
    checkpoint_body,
    checkpoint_parse,
    key_id,
    signature_valid,
)

from tergeu import clock
from tergeu.access.models import AccessLog
from tergeu.accounts.models import Official
from tergeu.cases.models import Case
from tergeu.errors import InvalidInput
from tergeu.integrity.models import HeadTimestamp, LogEntry, LogNode, LogState, TreeHead
from tergeu.integrity.selectors import act_inclusion
from tergeu.integrity.services import head_checkpoint, head_sign, log_integrate
from tergeu.integrity.signer import KeyFileSigner, log_signer
from tergeu.journal.models import Act
from tergeu.journal.services import act_append
from tests.conftest import ApiClient, World, open_case
from tests.test_concurrency import race
from tests.test_covert import Covert
from tests.test_defence import CLIENT, Scene, scene_make
from tests.test_refusals import assert_error

INTEGRITY_TRIGGERS = importlib.import_module("tergeu.integrity.migrations.0002_append_only")
JOURNAL_TRIGGERS = importlib.import_module("tergeu.journal.migrations.0002_append_only")
ACCESS_TRIGGERS = importlib.import_module("tergeu.access.migrations.0004_append_only")


# --- a naive reference: RFC 9162 §2.1 written out recursively ----------------------------------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: list[bytes], whole: bool) -> list[bytes]:
    if m == len(d):
        return [] if whole else [mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*subproof(m, d[:k], whole), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


def entries(n: int) -> list[bytes]:
    return [i.to_bytes(4, "big") * (i % 3 + 1) for i in range(n)]


def memory_tree(d: list[bytes]) -> tuple[list[bytes], merkle.NodeReader]:
    leaves = [merkle.leaf_hash(x) for x in d]
    return leaves, merkle.memory_reader(merkle.tree_levels(leaves))


# --- the Certificate Transparency test vectors (RFC 6962 = RFC 9162 §2.1 hashing) ---------------

CT_DATA = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657"]
CT_DATA.append("606162636465666768696a6b6c6d6e6f")
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
H96, H5F, H6B = (
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    ("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
)
HBC = "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
HCA = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"
HD3 = CT_ROOTS[4]
H0E = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"


def test_the_certificate_transparency_roots() -> None:
    leaves = [merkle.leaf_hash(bytes.fromhex(h)) for h in CT_DATA]
    for n, expected in enumerate(CT_ROOTS):
        assert merkle.root(leaves[:n]).hex() == expected
        frontier = merkle.Frontier()
        for leaf in leaves[:n]:
            frontier.append(leaf)
        assert frontier.root().hex() == expected


@pytest.mark.parametrize(
    ("kind", "a", "b", "expected"),
    [
        ("inclusion", 0, 8, [H96, H5F, H6B]),
        ("inclusion", 5, 8, [HBC, HCA, HD3]),
        ("consistency", 1, 8, [H96, H5F, H6B]),
        ("consistency", 6, 8, [H0E, HCA, HD3]),
        ("consistency", 2, 5, [H5F, HBC]),
    ],
)
def test_the_certificate_transparency_proofs(
    kind: str, a: int, b: int, expected: list[str]
) -> None:
    leaves, read = memory_tree([bytes.fromhex(h) for h in CT_DATA])
    if kind == "inclusion":
        proof = merkle.inclusion_proof(a, b, read)
        assert merkle.verify_inclusion(a, b, leaves[a], proof, bytes.fromhex(CT_ROOTS[b]))
    else:
        proof = merkle.consistency_proof(a, b, read)
        roots = bytes.fromhex(CT_ROOTS[a]), bytes.fromhex(CT_ROOTS[b])
        assert merkle.verify_consistency(a, b, *roots, proof)
    assert [p.hex() for p in proof] == expected


# --- property tests against the reference ------------------------------------------------------

SIZES = st.integers(min_value=0, max_value=300)


@settings(max_examples=150, deadline=None)
@given(SIZES)
def test_root_and_right_edge_agree_with_the_reference(n: int) -> None:
    d = entries(n)
    leaves = [merkle.leaf_hash(x) for x in d]
    levels = merkle.tree_levels(leaves)
    frontier, grown = merkle.Frontier(), merkle.Frontier()
    made: dict[tuple[int, int], bytes] = {}
    for leaf in leaves:
        for level, position, digest in frontier.append(leaf):
            made[(level, position)] = digest
    grown.extend(leaves)
    expected = mth(d)
    assert merkle.root(leaves) == frontier.root() == grown.root() == expected
    assert frontier.hashes == grown.hashes
    # Every node completed on the way is the stored-tree node; nothing else was made.
    assert made == {(lv, i): h for lv in range(1, len(levels)) for i, h in enumerate(levels[lv])}
    if n:
        assert merkle.tree_root(n, merkle.memory_reader(levels)) == expected
    packed = merkle.Frontier.unpacked(frontier.size, frontier.packed())
    assert packed.root() == expected
    assert packed.coordinates() == frontier.coordinates()


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_inclusion_proofs_agree_with_the_reference(n: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    d = entries(n)
    leaves, read = memory_tree(d)
    proof = merkle.inclusion_proof(index, n, read)
    root = mth(d)
    assert proof == path(index, d)
    assert merkle.verify_inclusion(index, n, leaves[index], proof, root)
    # Anything else fails: another leaf or position, a changed, missing or extra hash.
    assert not merkle.verify_inclusion(index, n, merkle.leaf_hash(b"forged"), proof, root)
    if n > 1:
        other = (index + 1) % n
        assert not merkle.verify_inclusion(other, n, leaves[index], proof, root)
    assert not merkle.verify_inclusion(index, n, leaves[index], [*proof, root], root)
    if proof:
        assert not merkle.verify_inclusion(index, n, leaves[index], proof[:-1], root)
        flipped = bytes([proof[0][0] ^ 1]) + proof[0][1:]
        assert not merkle.verify_inclusion(index, n, leaves[index], [flipped, *proof[1:]], root)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=300), st.data())
def test_consistency_proofs_agree_with_the_reference(n: int, data: st.DataObject) -> None:
    m = data.draw(st.integers(min_value=0, max_value=n))
    d = entries(n)
    _leaves, read = memory_tree(d)
    proof = merkle.consistency_proof(m, n, read) if n else []
    old, new = mth(d[:m]), mth(d)
    assert proof == (subproof(m, d, True) if 0 < m < n else [])
    assert merkle.verify_consistency(m, n, old, new, proof)
    if 0 < m < n:
        forged = merkle.leaf_hash(b"forged")
        assert not merkle.verify_consistency(m, n, forged, new, proof)
        assert not merkle.verify_consistency(m, n, old, forged, proof)
        assert not merkle.verify_consistency(m, n, old, new, proof[:-1])
        assert not merkle.verify_consistency(m, n, old, new, [*proof, new])
        assert not merkle.verify_consistency(m, n, old, new, [])
    assert not merkle.verify_consistency(n + 1, n, new, new, [])


def test_a_right_edge_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="edge subtrees"):
        merkle.Frontier(3, [merkle.EMPTY_ROOT])
    with pytest.raises(ValueError, match="not in a tree"):
        merkle.inclusion_ranges(5, 5)


def test_the_merkle_module_is_standalone() -> None:
    """The offline verifier ships merkle.py as it is: it imports the standard library only."""
    source = Path(merkle.__file__).read_text(encoding="utf-8")
    imports = {
        line.split()[1] for line in source.splitlines() if line.startswith(("import ", "from "))
    }
    assert imports <= {"__future__", "hashlib", "collections.abc"}


# --- checkpoints and the signer -------------------------------------------------------------------


def test_a_checkpoint_reads_back_exactly() -> None:
    point = Checkpoint("tergeu", 12, hashlib.sha256(b"x").digest(), 1764403200123)
    body = checkpoint_body(point)
    assert body.decode().splitlines()[::3] == ["tergeu", "timestamp 1764403200123"]
    assert checkpoint_parse(body) == point
    for bad in (body + b"\n", body.replace(b"12", b"012"), body.replace(b"timestamp", b"time")):
        with pytest.raises(ValueError, match="checkpoint"):
            checkpoint_parse(bad)


@pytest.mark.parametrize("algorithm", [ED25519, ECDSA_P256])
def test_the_key_file_signer(algorithm: str, tmp_path: Path, settings: Any) -> None:
    path = tmp_path / "key.pem"
    key: Any = (
        ed25519.Ed25519PrivateKey.generate()
        if algorithm == ED25519
        else ec.generate_private_key(ec.SECP256R1())
    )
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings.TERGEU_LOG_KEY_PATH = str(path)
    signer = log_signer()
    signature = signer.sign(b"head")
    der = signer.public_key_der()
    assert signer.algorithm == algorithm
    assert signature_valid(algorithm, der, b"head", signature)
    assert not signature_valid(algorithm, der, b"other head", signature)
    other = ED25519 if algorithm == ECDSA_P256 else ECDSA_P256
    assert not signature_valid(other, der, b"head", signature)


def test_dev_mode_creates_the_key_and_a_server_refuses_to_start_without_one(
    tmp_path: Path, settings: Any
) -> None:
    settings.TERGEU_LOG_KEY_PATH = str(tmp_path / "integrity" / "log-key.pem")
    signer = KeyFileSigner()
    assert signer.algorithm == ED25519
    assert (tmp_path / "integrity" / "log-key.pem").stat().st_mode & 0o777 == 0o600
    assert KeyFileSigner().public_key_der() == signer.public_key_der()  # the same key again
    settings.DEV_MODE = False
    settings.TERGEU_LOG_KEY_PATH = str(tmp_path / "missing.pem")
    with pytest.raises(ImproperlyConfigured, match="TERGEU_LOG_KEY_PATH"):
        KeyFileSigner()


# --- the log in the database ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _log_key(settings: Any, tmp_path: Path) -> None:
    settings.TERGEU_LOG_KEY_PATH = str(tmp_path / "log-key.pem")


def leaf_of(act: Act) -> bytes:
    return merkle.leaf_hash(bytes.fromhex(act.hash))


def leaves_in_order() -> list[bytes]:
    rows = LogEntry.objects.filter(leaf_index__isnull=False).order_by("leaf_index")
    return [bytes(h) for h in rows.values_list("leaf_hash", flat=True)]


def note(case: Case, world: World, text: str = "x") -> Act:
    return act_append(case=case, kind="note", actor=world.alice, payload={"text": text})


def test_every_act_is_queued_with_its_own_transaction(world: World) -> None:
    case = open_case(world)
    acts = list(Act.objects.order_by("id"))
    queued = list(LogEntry.objects.order_by("id").select_related("act"))
    assert [e.act for e in queued] == acts
    assert all(e.leaf_index is None and bytes(e.leaf_hash) == leaf_of(e.act) for e in queued)
    with pytest.raises(InvalidInput):
        act_append(case=case, kind="note", actor=world.alice, payload={"text": ""})
    assert LogEntry.objects.count() == len(acts)


def test_compartment_acts_join_the_same_log(world: World) -> None:
    covert = Covert(world)
    secret = Act.objects.get(compartment__isnull=False)
    log_integrate()
    entry = LogEntry.objects.get(act=secret)
    assert entry.leaf_index is not None
    assert Act.objects.count() == LogEntry.objects.filter(leaf_index__isnull=False).count()
    proof = act_inclusion(secret)
    assert merkle.verify_inclusion(
        entry.leaf_index, proof.head.size, leaf_of(secret), proof.path, bytes(proof.head.root)
    )
    assert covert.case.pk == secret.case_id


def test_the_sequencer_places_leaves_in_queue_order_and_signs_each_batch(world: World) -> None:
    first, second = open_case(world, notes=1), open_case(world, notes=1, summary="A phone")
    for i in range(3):  # the two cases' acts interleave in the queue
        note(first, world, f"a{i}")
        note(second, world, f"b{i}")
    queued = list(LogEntry.objects.order_by("id").values_list("id", flat=True))

    done = log_integrate(batch=4)

    placed = LogEntry.objects.order_by("leaf_index").values_list("id", "leaf_index")
    assert list(placed) == [(pk, i) for i, pk in enumerate(queued)]
    leaves = leaves_in_order()
    n = len(leaves)
    assert done.added == done.size == n == 14
    assert [h.size for h in done.heads] == [4, 8, 12, 14]
    for head in done.heads:  # each batch's head signs the tree as it then was
        assert bytes(head.root) == merkle.root(leaves[: head.size])
        body = checkpoint_body(head_checkpoint(head))
        signature = bytes(head.signature)
        assert signature_valid(head.algorithm, log_signer().public_key_der(), body, signature)
    state = LogState.objects.get()
    assert (state.size, bytes(state.root)) == (n, merkle.root(leaves))
    stored = {
        (lv, p): bytes(h) for lv, p, h in LogNode.objects.values_list("level", "position", "hash")
    }
    levels = merkle.tree_levels(leaves)
    assert stored == {(lv, i): h for lv in range(1, len(levels)) for i, h in enumerate(levels[lv])}


def test_a_head_is_signed_again_only_when_the_last_is_old(world: World, settings: Any) -> None:
    open_case(world, notes=0)
    assert len(log_integrate().heads) == 1
    assert log_integrate().heads == []
    later = clock.now() + timedelta(seconds=settings.TERGEU_LOG_HEAD_MAX_AGE_SECONDS + 1)
    with clock.frozen(later):
        (fresh,) = log_integrate().heads
        assert log_integrate().heads == []
        assert head_sign().pk > fresh.pk  # on demand (an export): always a new one
    assert TreeHead.objects.values_list("size", flat=True).distinct().count() == 1


def test_an_empty_log_signs_the_empty_tree(db: Any) -> None:
    (head,) = log_integrate().heads
    assert (head.size, bytes(head.root)) == (0, merkle.EMPTY_ROOT)


# --- proofs through the API ---------------------------------------------------------------------


def test_an_act_is_proved_in_the_signed_log(world: World) -> None:
    case = open_case(world)
    alice = ApiClient(world.alice)
    url = f"/cases/{case.pk}/acts/2/proof"

    pending = alice.get(url)
    assert_error(pending, 409, "act_not_integrated")
    assert pending.json()["error"]["details"] == {"queued": True}

    log_integrate()
    body = alice.get(url).json()
    key = alice.get("/log/key").json()
    head = alice.get("/log/head").json()

    act = Act.objects.get(case=case, seq=2)
    assert (body["act_hash"], body["leaf_hash"]) == (act.hash, leaf_of(act).hex())
    assert body["head"] == head
    assert body["tree_size"] == head["size"] == 5
    assert merkle.verify_inclusion(
        body["leaf_index"],
        body["tree_size"],
        bytes.fromhex(body["leaf_hash"]),
        [bytes.fromhex(h) for h in body["path"]],
        bytes.fromhex(head["root"]),
    )
    public = serialization.load_pem_public_key(key["public_key"].encode()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert key["key_id"] == head["key_id"] == key_id(public)
    checkpoint = checkpoint_parse(head["checkpoint"].encode())
    assert (checkpoint.size, checkpoint.root.hex()) == (5, head["root"])
    signature = base64.b64decode(head["signature"])
    assert signature_valid(key["algorithm"], public, head["checkpoint"].encode(), signature)
    assert _logged(world, case, "view_proof") == 2  # the refused read is logged too


def _logged(world: World, case: Case, action: str) -> int:
    return AccessLog.objects.filter(official=world.alice, case=case, action=action).count()


def test_a_proof_against_an_earlier_head(world: World) -> None:
    case = open_case(world, notes=0)
    log_integrate()
    note(case, world)
    log_integrate()
    alice = ApiClient(world.alice)

    old = alice.get(f"/cases/{case.pk}/acts/2/proof", tree_size=3)
    late = alice.get(f"/cases/{case.pk}/acts/4/proof", tree_size=3)
    unknown = alice.get(f"/cases/{case.pk}/acts/2/proof", tree_size=2)
    missing = alice.get(f"/cases/{case.pk}/acts/9/proof")

    assert old.status_code == 200
    assert old.json()["tree_size"] == 3
    assert_error(late, 409, "act_not_in_tree_head")
    assert_error(unknown, 404, "tree_head_not_found")
    assert_error(missing, 404, "act_not_found")
    assert _logged(world, case, "view_proof")


def test_consistency_between_two_heads(world: World) -> None:
    case = open_case(world, notes=0)
    (small,) = log_integrate().heads
    for i in range(4):
        note(case, world, str(i))
    (large,) = log_integrate().heads
    alice = ApiClient(world.alice)

    proof = alice.get("/log/consistency", first=small.size, second=large.size).json()
    latest = alice.get("/log/consistency", first=small.size).json()

    assert proof == latest
    assert proof["second"] == large.size == 7
    path_ = [bytes.fromhex(h) for h in proof["path"]]
    assert merkle.verify_consistency(3, 7, bytes(small.root), bytes(large.root), path_)
    for first, second in ((4, 3), (0, 8)):
        bad = alice.get("/log/consistency", first=first, second=second)
        assert_error(bad, 422, "tree_size_out_of_range")


def test_no_head_yet(world: World) -> None:
    assert_error(ApiClient(world.alice).get("/log/head"), 404, "tree_head_not_found")


@pytest.mark.parametrize("name", ["victor", "ivan", "oscar", "adam"])
def test_whoever_may_not_see_the_case_gets_no_proof(name: str, world: World) -> None:
    case = open_case(world)
    log_integrate()
    who = getattr(world, name)
    hidden = ApiClient(who).get(f"/cases/{case.pk}/acts/2/proof")
    nonexistent = ApiClient(who).get("/cases/99999/acts/2/proof")
    assert_error(hidden, 404, "case_not_found")
    assert hidden.json()["error"]["message"] == nonexistent.json()["error"]["message"]


def test_a_compartment_act_is_proved_only_to_those_it_names(world: World) -> None:
    covert = Covert(world)
    log_integrate()
    url = f"/cases/{covert.case.pk}/compartments/1/acts/1/proof"

    named = ApiClient(world.alice).get(url)
    outside = ApiClient(world.olga).get(url)  # sees the case, is not named on the compartment
    via_journal = ApiClient(world.olga).get(f"/cases/{covert.case.pk}/acts/1/proof")

    assert named.status_code == 200, named.json()
    assert named.json()["compartment"] == 1
    assert named.json()["act_hash"] == Act.objects.get(compartment__isnull=False).hash
    assert_error(outside, 404, "compartment_not_found")
    # Act 1 of the journal is the registration, not the covert act.
    assert (
        via_journal.json()["act_hash"]
        == Act.objects.get(case=covert.case, seq=1, compartment=None).hash
    )


def test_the_defence_proves_only_what_was_disclosed(world: World) -> None:
    scene: Scene = scene_make(world)
    created = scene.notice(scene.lena)
    assert created.status_code == 201, created.json()
    log_integrate()
    lena = scene.api(scene.lena)

    about_client = lena.get(f"{scene.path}/acts/5/proof")  # the client's recognition as suspect
    about_other = lena.get(f"{scene.path}/acts/7/proof")  # the other suspect's
    assert about_client.status_code == 200, about_client.json()
    assert_error(about_other, 404, "act_not_found")
    from tergeu.defence.models import DisclosureLog

    assert list(
        DisclosureLog.objects.filter(lawyer=scene.lena, action="view_proof").values_list(
            "act_seq", flat=True
        )
    ) == [5]
    assert CLIENT in Act.objects.get(case=scene.case, seq=5).payload.values()


# --- the database keeps the log append-only -------------------------------------------------------


def _sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE integrity_logentry SET leaf_hash = %s",
        "UPDATE integrity_logentry SET leaf_index = leaf_index + 100",
        "DELETE FROM integrity_logentry",
        "UPDATE integrity_lognode SET hash = %s",
        "DELETE FROM integrity_lognode",
        "UPDATE integrity_treehead SET root = %s",
        "DELETE FROM integrity_treehead",
    ],
)
def test_the_database_refuses_to_change_the_log(statement: str, world: World) -> None:
    case = open_case(world)
    log_integrate()
    note(case, world)  # one entry still queued: placing it is the one change allowed
    params = [b"\x00" * 32] if "%s" in statement else []

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql(statement, params)

    assert verify_log() == (0, [])


# --- verify_log finds every edit ------------------------------------------------------------------


@contextmanager
def triggers_lifted(*tables: str) -> Iterator[None]:
    """Let the test UPDATE these tables, as someone with the database owner's rights could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            try:
                yield
            finally:
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            statements = [
                s
                for module in (INTEGRITY_TRIGGERS, JOURNAL_TRIGGERS, ACCESS_TRIGGERS)
                for s in module.SQLITE_UP
                if any(f" ON {table} " in s for table in tables)
            ]
            for statement in statements:
                cursor.execute(f"DROP TRIGGER {statement.split()[2]}")
            try:
                yield
            finally:
                for statement in statements:
                    cursor.execute(statement)


def verify_command(command: str, *args: str) -> tuple[int, list[str]]:
    """Run a verification command (verify_log, verify_access_log): its exit status and its
    PROBLEM lines; its last line says what it verified."""
    out = io.StringIO()
    try:
        call_command(command, *args, stdout=out)
        status = 0
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    lines = out.getvalue().splitlines()
    assert lines[-1].startswith("verified "), lines
    return status, [line for line in lines if line.startswith("PROBLEM ")]


def verify_log(*args: str) -> tuple[int, list[str]]:
    return verify_command("verify_log", *args)


@pytest.fixture
def logged(world: World) -> Case:
    """A case of 5 acts and one more of 4 placed in the log (9 leaves, 3 heads), and a note
    still queued."""
    case: Case = open_case(world)
    log_integrate()
    other = open_case(world, notes=1, summary="A phone")
    log_integrate(batch=2)
    note(other, world)
    assert verify_log() == (0, [])
    return case


def _act(case: Case, seq: int) -> Act:
    return Act.objects.get(case=case, seq=seq, compartment=None)


def _leaf_index(act: Act) -> int:
    index = LogEntry.objects.get(act=act).leaf_index
    assert index is not None
    return index


def test_a_clean_log_verifies(logged: Case) -> None:
    out = io.StringIO()
    call_command("verify_log", stdout=out)
    assert out.getvalue().strip().endswith(": OK")
    assert "verified 9 leaves, 7 nodes, 3 tree heads, 1 act queued" in out.getvalue()


def test_an_edited_act_is_found(logged: Case) -> None:
    act = _act(logged, 3)
    forged = bytes(act.canonical).replace(b'"victim"', b'"witness"')
    with triggers_lifted("journal_act"):
        _sql("UPDATE journal_act SET canonical = %s WHERE id = %s", [forged, act.pk])

    status, problems = verify_log()

    where = f"leaf {_leaf_index(act)}"
    assert status == 1
    assert problems == [
        f"PROBLEM {where}: act's hash does not match its canonical bytes "
        f"[case {logged.register_number}, act 3]"
    ]


def test_an_act_rehashed_breaks_its_leaf_and_its_chain(logged: Case) -> None:
    act = _act(logged, 3)
    forged = bytes(act.canonical).replace(b'"victim"', b'"witness"')
    digest = hashlib.sha256(forged).hexdigest()
    with triggers_lifted("journal_act"):
        _sql(
            "UPDATE journal_act SET canonical = %s, hash = %s WHERE id = %s",
            [forged, digest, act.pk],
        )

    _status, problems = verify_log()

    index = _leaf_index(act)
    assert (
        f"PROBLEM leaf {index}: leaf does not match the act's hash [case {logged.register_number}, act 3]"
        in problems
    )
    assert any(
        p.startswith(f"PROBLEM leaf {index + 1}: hash chain broken") and p.endswith("act 4]")
        for p in problems
    )


def test_an_edited_leaf_is_found_with_its_node(logged: Case) -> None:
    act = _act(logged, 2)
    index = _leaf_index(act)
    with triggers_lifted("integrity_logentry"):
        _sql(
            "UPDATE integrity_logentry SET leaf_hash = %s WHERE act_id = %s", [b"\x01" * 32, act.pk]
        )

    _status, problems = verify_log()

    heads = TreeHead.objects.order_by("size", "id")
    assert problems == [
        f"PROBLEM leaf {index}: leaf does not match the act's hash [case {logged.register_number}, act 2]",
        *(
            f"PROBLEM tree head {h.pk} (size {h.size}): root differs from the tree rebuilt from the leaves"
            for h in heads
        ),
        f"PROBLEM node (level 1, position {index // 2}): differs from the hash of its two children",
        "PROBLEM log state: right edge or root differs from the leaves",
    ]


def test_an_edited_node_is_found(logged: Case) -> None:
    with triggers_lifted("integrity_lognode"):
        _sql(
            "UPDATE integrity_lognode SET hash = %s WHERE level = 2 AND position = 1",
            [b"\x02" * 32],
        )

    _status, problems = verify_log()

    assert problems == [
        "PROBLEM node (level 2, position 1): differs from the hash of its two children",
        "PROBLEM node (level 3, position 0): differs from the hash of its two children",
    ]


def test_a_log_rebuilt_without_the_key_fails_its_signed_heads(logged: Case, world: World) -> None:
    """Someone rewrites an act and everything above it consistently — hash, leaf, nodes, state —
    but cannot sign: every head that covers the act stops matching."""
    act = _act(logged, 3)
    forged = bytes(act.canonical).replace(b'"victim"', b'"witness"')
    digest = hashlib.sha256(forged).hexdigest()
    with triggers_lifted("journal_act", "integrity_logentry", "integrity_lognode"):
        _sql(
            "UPDATE journal_act SET canonical = %s, hash = %s WHERE id = %s",
            [forged, digest, act.pk],
        )
        _sql(
            "UPDATE integrity_logentry SET leaf_hash = %s WHERE act_id = %s",
            [merkle.leaf_hash(bytes.fromhex(digest)), act.pk],
        )
        leaves = leaves_in_order()
        levels = merkle.tree_levels(leaves)
        for level in range(1, len(levels)):
            for position, digest_ in enumerate(levels[level]):
                _sql(
                    "UPDATE integrity_lognode SET hash = %s WHERE level = %s AND position = %s",
                    [digest_, level, position],
                )
        frontier = merkle.Frontier()
        frontier.extend(leaves)
        LogState.objects.filter(pk=1).update(frontier=frontier.packed(), root=frontier.root())

    _status, problems = verify_log()

    covering = TreeHead.objects.filter(size__gt=_leaf_index(act)).order_by("id")
    assert any("hash chain broken" in p and p.endswith("act 4]") for p in problems)
    assert [p for p in problems if "root differs" in p] == [
        f"PROBLEM tree head {h.pk} (size {h.size}): root differs from the tree rebuilt from the leaves"
        for h in covering
    ]
    assert not any("leaf does not match" in p or "node (" in p for p in problems)


def test_a_forged_tree_head_is_found(logged: Case) -> None:
    head = TreeHead.objects.order_by("id").first()
    assert head is not None
    with triggers_lifted("integrity_treehead"):
        _sql("UPDATE integrity_treehead SET root = %s WHERE id = %s", [b"\x03" * 32, head.pk])

    _status, problems = verify_log()

    assert problems == [
        f"PROBLEM tree head {head.pk} (size {head.size}): signature does not verify",
        f"PROBLEM tree head {head.pk} (size {head.size}): root differs from the tree rebuilt from "
        "the leaves",
    ]


def test_heads_of_an_earlier_key_need_that_key(logged: Case, tmp_path: Path, settings: Any) -> None:
    public = tmp_path / "earlier.pem"
    public.write_bytes(
        serialization.load_der_public_key(log_signer().public_key_der()).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    settings.TERGEU_LOG_KEY_PATH = str(tmp_path / "new-key.pem")  # the key was rotated
    (newer,) = log_integrate().heads

    _status, problems = verify_log()

    earlier = TreeHead.objects.exclude(pk=newer.pk).order_by("id")
    assert problems == [
        f"PROBLEM tree head {h.pk} (size {h.size}): signed by key {h.key_id[:16]}…, not a trusted key"
        for h in earlier
    ]
    assert verify_log("--key", str(public)) == (0, [])


def test_reordered_and_missing_leaves_are_found(logged: Case) -> None:
    """Two leaves swapped: the tree's roots and the nodes above them no longer match; a leaf
    moved out of the sequence: the gap is named."""
    first, second = (_act(logged, seq) for seq in (2, 3))
    i, j = _leaf_index(first), _leaf_index(second)
    last = LogEntry.objects.filter(leaf_index__isnull=False).order_by("-leaf_index")[0]
    with triggers_lifted("integrity_logentry"):
        _sql("UPDATE integrity_logentry SET leaf_index = -1 WHERE act_id = %s", [first.pk])
        _sql("UPDATE integrity_logentry SET leaf_index = %s WHERE act_id = %s", [i, second.pk])
        _sql("UPDATE integrity_logentry SET leaf_index = %s WHERE act_id = %s", [j, first.pk])
        _sql("UPDATE integrity_logentry SET leaf_index = 100 WHERE id = %s", [last.pk])

    _status, problems = verify_log()

    assert f"PROBLEM leaf {last.leaf_index}: missing: the next leaf is 100" in problems
    assert (
        "PROBLEM node (level 1, position 1): differs from the hash of its two children" in problems
    )
    assert all(
        f"PROBLEM tree head {h.pk} (size {h.size}): root differs from the tree rebuilt from the leaves"
        in problems
        for h in TreeHead.objects.all()
    )


def test_the_sequencer_command(world: World) -> None:
    open_case(world, notes=0)
    out = io.StringIO()

    call_command("integrity_integrate", "--batch", "2", stdout=out)
    call_command("integrity_integrate", "--sign", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("log: 3 leaves placed in ")
    assert lines[0].endswith("size 3, 2 tree heads signed")
    assert lines[1].startswith("log: 0 leaves placed")
    assert lines[1].endswith("1 tree head signed")
    for bad in (["--batch", "0"], ["--loop", "0"]):
        with pytest.raises(CommandError):
            call_command("integrity_integrate", *bad, stdout=out)
    with pytest.raises(CommandError, match="not a PEM public key"):
        call_command("verify_log", "--key", __file__, stdout=out)


def test_an_act_outside_the_log_is_found(logged: Case) -> None:
    act = _act(logged, 5)
    forged = {
        "case_id": logged.pk,
        "seq": 6,
        "kind": "note",
        "payload": '{"text": "slipped in"}',
        "actor_id": act.actor_id,
        "actor_role": act.actor_role,
        "performed_at": act.performed_at,
        "recorded_at": act.recorded_at,
        "canonical": b"{}",
        "hash": hashlib.sha256(b"{}").hexdigest(),
        "prev_hash": act.hash,
        "document_sha256": "",
    }
    payload = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    marks = ", ".join(payload if k == "payload" else "%s" for k in forged)
    _sql(f"INSERT INTO journal_act ({', '.join(forged)}) VALUES ({marks})", list(forged.values()))  # noqa: S608

    _status, problems = verify_log()

    assert problems == [
        f"PROBLEM journal: act has no log entry [case {logged.register_number}, act 6]"
    ]


# --- RFC 3161 time-stamps ---------------------------------------------------------------------


def _dummy_tsa(trusted_in: Path | None = None) -> Any:
    """A timestamp authority answering locally (pyHanko's DummyTimeStamper); with
    `trusted_in`, its certificate is written there and made the TSA trust store."""
    from asn1crypto import keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if trusted_in is not None:
        from django.conf import settings

        (trusted_in / "tsa.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        settings.TERGEU_TSA_TRUST_ROOTS = [str(trusted_in / "tsa.pem")]
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=keys.PrivateKeyInfo.load(der_key),
    )


def test_heads_are_time_stamped_when_an_authority_is_configured(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tergeu.integrity import services

    open_case(world, notes=0)
    assert services.tsa_stamper() is None  # not configured: no request, no token
    log_integrate()
    assert not HeadTimestamp.objects.exists()
    settings.TERGEU_TSA_URL = "http://tsa.test/"
    tsa = _dummy_tsa(tmp_path)
    monkeypatch.setattr(services, "tsa_stamper", lambda: tsa)

    head = head_sign()

    stamp = HeadTimestamp.objects.get()
    body = checkpoint_body(head_checkpoint(head))
    from asn1crypto import cms

    info = cms.ContentInfo.load(bytes(stamp.token))["content"]["encap_content_info"]["content"]
    imprint = info.parsed["message_imprint"]["hashed_message"].native
    assert (stamp.head, imprint) == (head, hashlib.sha256(body).digest())
    assert ApiClient(world.alice).get("/log/head").json()["timestamps"] != []
    assert verify_log() == (0, [])
    # A token moved to another head no longer matches it.
    other = head_sign()
    HeadTimestamp.objects.create(
        head=other, authority="x", token=stamp.token, stamped_at=stamp.stamped_at
    )
    _status, problems = verify_log()
    moved = HeadTimestamp.objects.order_by("id").last()
    assert moved is not None
    assert problems == [
        f"PROBLEM time-stamp {moved.pk} of tree head {other.pk}: is not over the tree head's signed bytes"
    ]


def test_a_token_of_an_untrusted_or_forged_authority_is_refused(
    world: World,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    from asn1crypto import cms

    from tergeu.integrity import services

    settings.TERGEU_TSA_URL = "http://tsa.test/"
    _dummy_tsa(tmp_path)  # the trusted authority
    stranger = _dummy_tsa()  # an authority nobody trusts
    monkeypatch.setattr(services, "tsa_stamper", lambda: stranger)
    open_case(world, notes=0)

    head = head_sign()

    assert not HeadTimestamp.objects.exists()
    assert "is not trusted" in caplog.text
    # Tokens put in the database by hand: the stranger's, and a trusted one with its
    # signature changed, are both named by verify_log.
    trusted = _dummy_tsa(tmp_path)
    body = checkpoint_body(head_checkpoint(head))
    for stamper in (stranger, trusted):
        token = asyncio.run(stamper.async_timestamp(hashlib.sha256(body).digest(), "sha256"))
        HeadTimestamp.objects.create(
            head=head, authority="x", token=token.dump(), stamped_at=clock.now()
        )
    trusted_stamp = HeadTimestamp.objects.order_by("id").last()
    assert trusted_stamp is not None
    forged = cms.ContentInfo.load(bytes(trusted_stamp.token))
    signer_info = forged["content"]["signer_infos"][0]
    signature = bytearray(signer_info["signature"].native)
    signature[10] ^= 1
    signer_info["signature"] = bytes(signature)
    HeadTimestamp.objects.create(
        head=head, authority="x", token=forged.dump(force=True), stamped_at=clock.now()
    )
    _status, problems = verify_log()
    first, _good, last = HeadTimestamp.objects.order_by("id")
    assert problems == [
        f"PROBLEM time-stamp {first.pk} of tree head {head.pk}: the timestamp authority's "
        "certificate is not trusted (TERGEU_TSA_TRUST_ROOTS)",
        f"PROBLEM time-stamp {last.pk} of tree head {head.pk}: the timestamp authority's "
        "signature does not verify",
    ]


def test_a_failing_authority_leaves_the_head_unstamped(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from pyhanko.sign.timestamps import TimestampRequestError

    from tergeu.integrity import services

    class Down:
        async def async_timestamp(self, digest: bytes, algorithm: str) -> Any:
            raise TimestampRequestError("Error in communication with timestamp server")

    settings.TERGEU_TSA_URL = "http://tsa.test/"
    monkeypatch.setattr(services, "tsa_stamper", Down)
    open_case(world, notes=0)

    (head,) = log_integrate().heads

    assert TreeHead.objects.get() == head
    assert not HeadTimestamp.objects.exists()
    assert "no time-stamp" in caplog.text


# --- concurrency, bulk data and acts from before the log -----------------------------------------


@pytest.mark.usefixtures("flushable_journal")
def test_appends_and_sequencers_at_once(world: World, tmp_path: Path) -> None:
    """Four threads append to their own cases while four run the sequencer: every act gets
    exactly one leaf, contiguous, and the log verifies."""
    cases = [open_case(world, notes=0, summary=f"case {i}") for i in range(4)]

    def work(i: int) -> int:
        if i % 2:
            return sum(log_integrate(batch=3).added for _ in range(3))
        alice = Official.objects.get(pk=world.alice.pk)
        mine = Case.objects.get(pk=cases[i // 2].pk)
        for k in range(4):
            act_append(case=mine, kind="note", actor=alice, payload={"text": str(k)})
        return 0

    race(tmp_path, work)
    log_integrate()

    placed = LogEntry.objects.values_list("leaf_index", flat=True)
    assert sorted(i for i in placed if i is not None) == list(range(Act.objects.count()))
    assert verify_log() == (0, [])


def test_generated_acts_enter_the_log(db: Any) -> None:
    call_command("bench_generate", cases=6, acts=40, big_case_acts=10, stdout=io.StringIO())
    call_command("integrity_integrate", stdout=io.StringIO())

    assert LogEntry.objects.filter(leaf_index__isnull=False).count() == Act.objects.count() == 40
    assert verify_log() == (0, [])


def test_acts_from_before_the_log_are_queued_by_the_migration(world: World) -> None:
    from django.apps import apps

    case = open_case(world, notes=0)
    log_integrate()
    act = _act(case, 3)
    earlier = {
        "case_id": case.pk, "seq": 4, "kind": "note", "payload": '{"text": "old"}',
        "actor_id": act.actor_id, "actor_role": act.actor_role, "performed_at": act.performed_at,
        "recorded_at": act.recorded_at, "canonical": b"old", "prev_hash": act.hash,
        "hash": hashlib.sha256(b"old").hexdigest(), "document_sha256": "",
    }  # fmt: skip
    payload = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    marks = ", ".join(payload if k == "payload" else "%s" for k in earlier)
    _sql(f"INSERT INTO journal_act ({', '.join(earlier)}) VALUES ({marks})", list(earlier.values()))  # noqa: S608
    assert verify_log()[1] == [
        f"PROBLEM journal: act has no log entry [case {case.register_number}, act 4]"
    ]

    importlib.import_module("tergeu.integrity.migrations.0003_acts_before_the_log").queue(
        apps, connection.schema_editor()
    )
    log_integrate()

    assert LogEntry.objects.get(act__seq=4).leaf_index == 3
    assert verify_log() == (0, [])
