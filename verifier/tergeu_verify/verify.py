"""Verifying a bundle: every check, each finding naming what and where.

The bundle is a ZIP with `manifest.json` (format `tergeu-bundle/1`) listing every other file
with its SHA-256, every act (its chain, number, hash, canonical bytes, the log's leaf index and
inclusion proof, its document) and the integrity log's signed checkpoint. See the tergeu
repository's docs/bundle.md."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tergeu_verify.checkpoint import checkpoint_parse, key_id, signature_valid
from tergeu_verify.merkle import leaf_hash, root_from_inclusion

FORMAT = "tergeu-bundle/1"
MANIFEST = "manifest.json"
GENESIS = "0" * 64
# A bundle is read whole into memory: a member or a whole larger than this (as the ZIP declares
# it; a member is never inflated beyond its declared size) is refused before it is inflated,
# so that a small hostile ZIP cannot ask for gigabytes.
MEMBER_MAX = 256 * 1024 * 1024
TOTAL_MAX = 1024 * 1024 * 1024
# The manifest's containers and their types; anything else is no bundle of this format.
_SHAPE: dict[str, type] = {
    "case": dict,
    "log": dict,
    "acts": list,
    "trust_roots": list,
    "files": dict,
}


@dataclass(frozen=True)
class Finding:
    ok: bool
    where: str
    what: str

    def __str__(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.where}: {self.what}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    def good(self, where: str, what: str) -> None:
        self.findings.append(Finding(True, where, what))

    def bad(self, where: str, what: str) -> None:
        self.findings.append(Finding(False, where, what))


class Unreadable(Exception):
    """The bundle is not a ZIP, or has no readable manifest."""


@dataclass(frozen=True)
class Trust:
    """What the reader trusts, obtained apart from the bundle: the CA certificates signatures
    must chain to, and the integrity log's public key (SubjectPublicKeyInfo, DER). Without
    them the bundle's own copies are used and the report says they were not pinned."""

    roots: Sequence[bytes] = ()
    log_keys: Sequence[bytes] = ()


def verify_bundle(data: bytes, trust: Trust | None = None) -> Report:
    """Every finding about the bundle `data` (the bytes of the ZIP)."""
    trust = trust or Trust()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _sizes_check(archive)
        manifest = json.loads(archive.read(MANIFEST))
    except (zipfile.BadZipFile, KeyError, ValueError, NotImplementedError) as exc:
        # ValueError includes a manifest that is not UTF-8; NotImplementedError, a compression
        # method zipfile does not know.
        raise Unreadable(f"not a tergeu bundle: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise Unreadable(f"not a {FORMAT} bundle")
    _shape_check(manifest)
    report = Report()
    try:
        files = _files(archive, manifest, report)
        head = _checkpoint(files, manifest, trust, report)
        _acts(files, manifest, head, report)
        _documents(files, manifest, trust, report)
    except (TypeError, AttributeError, KeyError, ValueError, OverflowError) as exc:
        # A value of the wrong type deeper in the manifest (a number where a name belongs, an
        # act that is not an object, an infinite leaf index): the bundle cannot be read as its
        # format says.
        raise Unreadable(f"the manifest is malformed: {type(exc).__name__}: {exc}") from exc
    return report


def _sizes_check(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    names = [m.filename for m in members]
    if len(set(names)) != len(names):
        raise Unreadable("a name appears twice in the ZIP: which one is meant cannot be told")
    for member in members:
        if member.file_size > MEMBER_MAX:
            raise Unreadable(f"{member.filename} is larger than {MEMBER_MAX} bytes")
    if sum(m.file_size for m in members) > TOTAL_MAX:
        raise Unreadable(f"the bundle inflates to more than {TOTAL_MAX} bytes")


def _shape_check(manifest: dict[str, Any]) -> None:
    for name, kind in _SHAPE.items():
        if not isinstance(manifest.get(name, kind()), kind):
            raise Unreadable(f"the manifest is malformed: {name} is not a {kind.__name__}")
    files = manifest.get("files", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise Unreadable("the manifest is malformed: files must name each file's SHA-256")
    if not all(isinstance(entry, dict) for entry in manifest.get("acts", [])):
        raise Unreadable("the manifest is malformed: an act is not an object")


def _files(archive: zipfile.ZipFile, manifest: dict[str, Any], report: Report) -> dict[str, bytes]:
    """The listed files whose bytes match their SHA-256; every other difference reported."""
    listed: dict[str, str] = manifest.get("files", {})
    present = {name for name in archive.namelist() if name != MANIFEST}
    for name in sorted(present - listed.keys()):
        report.bad(name, "a file the manifest does not list (added to the bundle)")
    for name in sorted(listed.keys() - present):
        report.bad(name, "listed in the manifest, missing from the bundle")
    files: dict[str, bytes] = {}
    for name in sorted(listed.keys() & present):
        content = archive.read(name)
        if hashlib.sha256(content).hexdigest() != listed[name]:
            report.bad(name, "its bytes differ from the SHA-256 in the manifest (changed)")
            continue
        files[name] = content
    report.good("files", f"{len(files)} of {len(listed)} listed files intact")
    return files


@dataclass(frozen=True)
class Head:
    size: int
    root: bytes


def _checkpoint(
    files: dict[str, bytes], manifest: dict[str, Any], trust: Trust, report: Report
) -> Head | None:
    log = manifest.get("log", {})
    where = log.get("checkpoint", "log")
    body = files.get(log.get("checkpoint", ""))
    signature = files.get(log.get("signature", ""))
    public_key = files.get(log.get("public_key", ""))
    if body is None or signature is None or public_key is None:
        report.bad(where, "the signed tree head, its signature or the log's key is missing")
        return None
    try:
        checkpoint = checkpoint_parse(body)
    except ValueError as exc:
        report.bad(where, f"not a tree head: {exc}")
        return None
    if not signature_valid(log.get("algorithm", ""), public_key, body, signature):
        report.bad(where, "the tree head's signature does not verify (a forged tree head)")
        return None
    if trust.log_keys:
        if public_key not in trust.log_keys:
            report.bad(where, f"signed by key {key_id(public_key)[:16]}…, not a trusted log key")
            return None
        report.good(where, f"tree head of {checkpoint.size} leaves signed by the trusted log key")
    else:
        report.good(
            where,
            f"tree head of {checkpoint.size} leaves signed by key {key_id(public_key)[:16]}… "
            "(the bundle's own key: not pinned, give --log-key to check it)",
        )
    return Head(checkpoint.size, checkpoint.root)


def _acts(
    files: dict[str, bytes], manifest: dict[str, Any], head: Head | None, report: Report
) -> None:
    """Each act's bytes and hash; each chain's order, numbering and links; each act's place in
    the signed tree."""
    case = manifest.get("case", {})
    number = case.get("register_number", "")
    complete = case.get("scope") == "full"
    chains: dict[str, list[dict[str, Any]]] = {}
    for entry in manifest.get("acts", []):
        chains.setdefault(str(entry.get("chain", "case")), []).append(entry)
    for chain, entries in chains.items():
        previous: dict[str, Any] | None = None
        for entry in entries:
            seq = entry.get("seq")
            where = f"{chain} act {seq}"
            if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
                report.bad(where, "the manifest gives no act number")
                previous = None
                continue
            canonical = files.get(entry.get("canonical", ""))
            if canonical is None:
                report.bad(where, "its canonical bytes are missing or changed")
                previous = {"seq": seq, "hash": entry.get("hash")}
                continue
            digest = hashlib.sha256(canonical).hexdigest()
            if digest != entry.get("hash"):
                report.bad(where, "its canonical bytes do not hash to the act's hash")
            try:
                document = json.loads(canonical)
            except ValueError:
                report.bad(where, "its canonical bytes are not JSON")
                previous = None
                continue
            _act_fields(document, entry, chain, number, where, report)
            if previous is not None:
                if seq <= previous["seq"]:
                    report.bad(where, f"out of order: after act {previous['seq']}")
                elif seq == previous["seq"] + 1 and document.get("prev_hash") != previous["hash"]:
                    report.bad(where, f"hash chain broken: not linked to act {previous['seq']}")
                elif complete and seq != previous["seq"] + 1:
                    report.bad(where, f"acts {previous['seq'] + 1}–{seq - 1} are missing")
            elif seq == 1 and document.get("prev_hash") != GENESIS:
                report.bad(where, "the first act of a chain must follow 64 zeros")
            elif complete and seq != 1:
                report.bad(where, f"acts 1–{seq - 1} are missing")
            _included(entry, digest, head, where, report)
            previous = {"seq": seq, "hash": digest}
        report.good(chain, f"{len(entries)} acts checked")


def _act_fields(
    document: dict[str, Any],
    entry: dict[str, Any],
    chain: str,
    number: str,
    where: str,
    report: Report,
) -> None:
    compartment = int(chain.split(":", 1)[1]) if chain.startswith("compartment:") else None
    if document.get("case") != number:
        report.bad(where, f"belongs to case {document.get('case')!r}, not {number!r}")
    if document.get("seq") != entry.get("seq"):
        report.bad(where, f"its bytes say act {document.get('seq')}")
    if document.get("compartment") != compartment:
        report.bad(where, "its bytes name another chain")


def _included(
    entry: dict[str, Any], digest: str, head: Head | None, where: str, report: Report
) -> None:
    if head is None:
        return
    try:
        index = int(entry["leaf_index"])
        path = [bytes.fromhex(h) for h in entry["proof"]]
    except (KeyError, TypeError, ValueError):
        report.bad(where, "no inclusion proof in the integrity log")
        return
    if index >= head.size:
        report.bad(where, f"leaf {index} is beyond the signed tree head ({head.size} leaves)")
        return
    found = root_from_inclusion(index, head.size, leaf_hash(bytes.fromhex(digest)), path)
    if found != head.root:
        report.bad(where, f"not in the signed tree: the inclusion proof for leaf {index} fails")


def _documents(
    files: dict[str, bytes], manifest: dict[str, Any], trust: Trust, report: Report
) -> None:
    documents = [(e, e["document"]) for e in manifest.get("acts", []) if e.get("document")]
    if not documents:
        return
    from tergeu_verify.signatures import pdf_signatures

    roots = list(trust.roots) or [files[p] for p in manifest.get("trust_roots", []) if p in files]
    if not trust.roots:
        report.good(
            "certificates", "the bundle's own CA certificates used: not pinned, give --trust"
        )
    for entry, document in documents:
        where = f"{entry.get('chain', 'case')} act {entry.get('seq')} document"
        pdf = files.get(document.get("path", ""))
        if pdf is None:
            report.bad(where, "missing or changed")
            continue
        if hashlib.sha256(pdf).hexdigest() != document.get("sha256"):
            report.bad(where, "its bytes are not the document the act names")
            continue
        signers = document.get("signers", [])
        problems = pdf_signatures(pdf, roots, expected=signers, act_hash=entry.get("hash"))
        for problem in problems:
            report.bad(where, problem)
        if not problems:
            report.good(where, _signed_by(signers))


def _signed_by(signers: list[dict[str, Any]]) -> str:
    if not signers:
        return "not signed yet (its author has not signed it)"
    named = ", ".join(
        f"IIN {s.get('iin') or '?'} ({s.get('capacity') or s.get('role')})" for s in signers
    )
    return f"{len(signers)} valid signature(s): {named}"


def summary(report: Report, verbose: bool = False) -> Iterable[str]:
    """The report as lines of text."""
    for finding in report.findings:
        if verbose or not finding.ok:
            yield str(finding)
    problems = len(report.problems)
    yield "VERIFIED: every check passed" if report.ok else f"NOT VERIFIED: {problems} problem(s)"
