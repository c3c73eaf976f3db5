"""A case's bundle (docs/bundle.md): the acts a reader may see, with their canonical bytes,
documents, inclusion proofs and a tree head signed for the export, in a ZIP the offline
verifier (`tergeu-verify`) checks.

What goes in is what the reader may see: an official of the case gets its journal and the
covert compartments that name them; a defence lawyer the acts disclosed to the defence (and
each is logged as disclosed); nobody else gets anything (the gate has said "not found")."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from typing import Any

from tergeu_verify.checkpoint import checkpoint_body
from tergeu_verify.verify import FORMAT, MANIFEST

from tergeu.accounts.models import Official
from tergeu.cases.compartments import compartments_of
from tergeu.cases.models import Case
from tergeu.defence.disclosure import defence_view, disclosed_acts
from tergeu.documents.services import document_render
from tergeu.integrity.selectors import InclusionProof, acts_inclusion
from tergeu.integrity.services import head_checkpoint, head_sign
from tergeu.integrity.signer import log_signer
from tergeu.journal.models import Act


def case_bundle(
    reader: Official, case: Case, *, surface: str, language: str, documents: bool = True
) -> bytes:
    """The ZIP of `case` as `reader` may see it (the caller has passed the gate)."""
    if defence_view(reader, case) is not None:
        scope = "defence"
        shown = disclosed_acts(reader, case, surface=surface, action="export").acts
        # The disclosed acts, with the canonical bytes the disclosure read leaves out.
        disclosed = Act.objects.filter(pk__in=[a.pk for a in shown]).order_by("seq")
        chains: list[tuple[str, list[Act]]] = [("case", list(disclosed))]
    else:
        scope = "full"
        journal = Act.objects.filter(case=case, compartment__isnull=True).order_by("seq")
        chains = [("case", list(journal))]
        for compartment in compartments_of(reader, case).order_by("number"):
            secret = Act.objects.filter(compartment=compartment).order_by("seq")
            chains.append((f"compartment:{compartment.number}", list(secret)))
    head = head_sign()
    signer = log_signer()
    files: dict[str, bytes] = {
        "log/checkpoint.txt": checkpoint_body(head_checkpoint(head)),
        "log/checkpoint.sig": bytes(head.signature),
        "log/public_key.der": signer.public_key_der(),
    }
    proofs = acts_inclusion([act for _, chained in chains for act in chained], head)
    entries = []
    for chain, chained in chains:
        folder = chain.replace(":", "-")
        for act in chained:
            entries.append(_entry(act, chain, folder, proofs[act.pk], files, language, documents))
    manifest = {
        "format": FORMAT,
        "case": {"register_number": case.register_number, "scope": scope},
        "language": language,
        "log": {
            "checkpoint": "log/checkpoint.txt",
            "signature": "log/checkpoint.sig",
            "public_key": "log/public_key.der",
            "algorithm": head.algorithm,
        },
        "acts": entries,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    return _zipped(manifest, files.items())


def _entry(
    act: Act,
    chain: str,
    folder: str,
    proof: InclusionProof,
    files: dict[str, bytes],
    language: str,
    documents: bool,
) -> dict[str, Any]:
    path = f"acts/{folder}/{act.seq:06d}.json"
    files[path] = bytes(act.canonical)
    entry: dict[str, Any] = {
        "chain": chain,
        "seq": act.seq,
        "kind": act.kind,
        "hash": act.hash,
        "canonical": path,
        "leaf_index": proof.leaf_index,
        "proof": [h.hex() for h in proof.path],
        "document": None,
    }
    if documents:
        pdf = document_render(act, language)
        pdf_path = f"documents/{folder}/{act.seq:06d}-{language}.pdf"
        files[pdf_path] = pdf
        # The documents are not signed yet: no signer is expected on them.
        entry["document"] = {
            "path": pdf_path,
            "sha256": hashlib.sha256(pdf).hexdigest(),
            "signers": [],
        }
    return entry


def _zipped(manifest: dict[str, Any], files: Iterable[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        for name, data in files:
            archive.writestr(name, data)
    return out.getvalue()
