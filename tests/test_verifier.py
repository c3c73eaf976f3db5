"""The offline verifier (`tergeu-verify`, the `verifier/` package) on bundles built here from
first principles — canonical acts chained by hash, an RFC 9162 tree over them, a signed
checkpoint — so the verifier is tested against the format, not against tergeu's own export:
a sound bundle verifies; any change — a byte of an act, an act removed, added or reordered, a
file slipped in, a forged tree head, another log key — fails with a message naming what and
where."""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from tergeu_verify import merkle
from tergeu_verify.checkpoint import ED25519, Checkpoint, checkpoint_body
from tergeu_verify.cli import main
from tergeu_verify.verify import Trust, Unreadable, verify_bundle

NUMBER = "267575110000001"
OTHER_LEAVES = 5  # acts of other cases in the log before this case's


def canonical(seq: int, prev: str, compartment: int | None = None) -> bytes:
    document: dict[str, Any] = {
        "v": 1,
        "case": NUMBER,
        "seq": seq,
        "kind": "note",
        "payload": {"text": f"note {seq}"},
        "actor": 7,
        "actor_role": "investigator",
        "performed_at": "2026-11-29T10:00:00.000000Z",
        "recorded_at": "2026-11-29T10:00:00.000000Z",
        "prev_hash": prev,
    }
    if compartment is not None:
        document["compartment"] = compartment
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


class Builder:
    """A bundle of `count` acts of one case (and two of a compartment), its files editable
    before zipping."""

    def __init__(self, count: int = 4, scope: str = "full") -> None:
        self.key = ed25519.Ed25519PrivateKey.generate()
        self.public = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.files: dict[str, bytes] = {}
        self.acts: list[dict[str, Any]] = []
        leaves = [hashlib.sha256(b"other %d" % i).digest() for i in range(OTHER_LEAVES)]
        for chain, compartment, n in (("case", None, count), ("compartment:1", 1, 2)):
            prev = "0" * 64
            for seq in range(1, n + 1):
                body = canonical(seq, prev, compartment)
                digest = hashlib.sha256(body).hexdigest()
                path = f"acts/{chain.replace(':', '-')}/{seq:06d}.json"
                self.files[path] = body
                self.acts.append(
                    {"chain": chain, "seq": seq, "hash": digest, "canonical": path,
                     "leaf_index": len(leaves), "document": None}
                )  # fmt: skip
                leaves.append(bytes.fromhex(digest))
                prev = digest
        hashed = [merkle.leaf_hash(leaf) for leaf in leaves]
        levels = merkle.tree_levels(hashed)
        reader = merkle.memory_reader(levels)
        for entry in self.acts:
            entry["proof"] = [
                h.hex() for h in merkle.inclusion_proof(entry["leaf_index"], len(leaves), reader)
            ]
        self.size, self.root = len(leaves), merkle.tree_root(len(leaves), reader)
        self.scope = scope
        self.checkpoint(self.size, self.root)

    def checkpoint(self, size: int, root: bytes, key: Any = None) -> None:
        body = checkpoint_body(Checkpoint("tergeu", size, root, int(time.time() * 1000)))
        self.files["log/checkpoint.txt"] = body
        self.files["log/checkpoint.sig"] = (key or self.key).sign(body)
        self.files["log/public_key.der"] = self.public

    def zip(self, manifest_edit: Callable[[dict[str, Any]], None] | None = None) -> bytes:
        manifest: dict[str, Any] = {
            "format": "tergeu-bundle/1",
            "case": {"register_number": NUMBER, "scope": self.scope},
            "log": {
                "checkpoint": "log/checkpoint.txt",
                "signature": "log/checkpoint.sig",
                "public_key": "log/public_key.der",
                "algorithm": ED25519,
            },
            "acts": self.acts,
            "files": {name: hashlib.sha256(data).hexdigest() for name, data in self.files.items()},
        }
        if manifest_edit:
            manifest_edit(manifest)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("manifest.json", json.dumps(manifest, indent=1))
            for name, data in self.files.items():
                archive.writestr(name, data)
        return out.getvalue()


def problems(data: bytes, trust: Trust | None = None) -> list[str]:
    return [str(f) for f in verify_bundle(data, trust).problems]


def test_a_sound_bundle_verifies() -> None:
    bundle = Builder()
    report = verify_bundle(bundle.zip(), Trust(log_keys=[bundle.public]))
    assert report.ok, [str(f) for f in report.problems]
    assert any("trusted log key" in str(f) for f in report.findings)


def test_a_changed_byte_of_an_act_is_named() -> None:
    bundle = Builder()
    path = bundle.acts[1]["canonical"]
    data = bundle.zip()
    bundle.files[path] = bundle.files[path].replace(b"note 2", b"note X")
    found = problems(bundle.zip(lambda m: m["files"].update(_hashes(data, path))))
    assert found == [
        f"FAIL {path}: its bytes differ from the SHA-256 in the manifest (changed)",
        "FAIL case act 2: its canonical bytes are missing or changed",
    ]


def test_an_act_rewritten_with_a_new_manifest_breaks_the_chain_and_the_log() -> None:
    """A forger who rewrites an act and the manifest's hashes still breaks the next act's link
    and the act's place in the signed tree."""
    bundle = Builder()
    entry = bundle.acts[1]
    forged = bundle.files[entry["canonical"]].replace(b"note 2", b"note X")
    bundle.files[entry["canonical"]] = forged
    entry["hash"] = hashlib.sha256(forged).hexdigest()
    found = problems(bundle.zip())
    assert "FAIL case act 3: hash chain broken: not linked to act 2" in found
    assert any(f.startswith("FAIL case act 2: not in the signed tree") for f in found)


def test_a_removed_act_is_missing() -> None:
    bundle = Builder()
    bundle.acts.pop(1)
    assert problems(bundle.zip()) == ["FAIL case act 3: acts 2–2 are missing"]


def test_an_added_file_and_a_reordered_act_are_named() -> None:
    bundle = Builder()
    bundle.acts[1], bundle.acts[2] = bundle.acts[2], bundle.acts[1]
    buffer = io.BytesIO(bundle.zip())
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("acts/case/000099.json", b"{}")
    found = problems(buffer.getvalue())
    assert (
        "FAIL acts/case/000099.json: a file the manifest does not list (added to the bundle)"
        in found
    )
    assert "FAIL case act 2: out of order: after act 3" in found


def test_a_forged_tree_head_fails() -> None:
    bundle = Builder()
    bundle.checkpoint(bundle.size, hashlib.sha256(b"another root").digest(), key=None)
    # Signed with the right key but over another root: every inclusion proof fails.
    found = problems(bundle.zip())
    assert any("not in the signed tree" in f for f in found)
    # A tree head whose signature was not made by the key it names.
    bundle.checkpoint(bundle.size, bundle.root, key=ed25519.Ed25519PrivateKey.generate())
    found = problems(bundle.zip())
    assert found == [
        "FAIL log/checkpoint.txt: the tree head's signature does not verify (a forged tree head)"
    ]


def test_a_log_key_other_than_the_trusted_one_fails() -> None:
    bundle, other = Builder(), Builder()
    found = problems(bundle.zip(), Trust(log_keys=[other.public]))
    assert len(found) == 1
    assert "not a trusted log key" in found[0]


def test_the_defence_s_bundle_with_gaps_verifies_and_keeps_its_links() -> None:
    """The defence's bundle holds the disclosed acts only: gaps are allowed, and the links
    between consecutive acts are still checked."""
    bundle = Builder(count=6, scope="defence")
    bundle.acts = [a for a in bundle.acts if a["chain"] == "case" and a["seq"] in (1, 2, 5)]
    bundle.files = {
        name: data
        for name, data in bundle.files.items()
        if name.startswith("log/") or name in {a["canonical"] for a in bundle.acts}
    }
    assert problems(bundle.zip()) == []


def test_the_console_script_reports_and_sets_its_exit_status(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = Builder()
    good, key = tmp_path / "good.zip", tmp_path / "log.der"
    good.write_bytes(bundle.zip())
    key.write_bytes(bundle.public)
    assert main([str(good), "--log-key", str(key)]) == 0
    assert capsys.readouterr().out.strip().endswith("VERIFIED: every check passed")
    bundle.acts.pop(0)
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bundle.zip())
    assert main([str(bad)]) == 1
    assert "NOT VERIFIED" in capsys.readouterr().out
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    assert main([str(junk)]) == 2
    with pytest.raises(Unreadable):
        verify_bundle(b"not a zip")


def _hashes(data: bytes, path: str) -> dict[str, str]:
    """The manifest's hash of `path` as it was in the sound bundle `data`."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {path: hashlib.sha256(archive.read(path)).hexdigest()}


def test_the_bundle_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from bench.bundle import main as bundle_bench

    # In a thread of its own: pyHanko's synchronous calls start event loops, which they may not
    # do in a thread where the browser tests' Playwright keeps one running.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(bundle_bench, ["--acts", "6", "--repeats", "1"]).result() == 0
    out = capsys.readouterr().out
    assert "bundle: 6 acts, 7 signatures" in out
    assert "ratio verification / bare validations" in out
