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

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from tergeu_verify.checkpoint import checkpoint_body
from tergeu_verify.verify import FORMAT, MANIFEST

from tergeu.accounts.models import Official
from tergeu.attachments.services import blob_read
from tergeu.cases.compartments import compartments_of
from tergeu.cases.models import Case
from tergeu.defence.disclosure import defence_view, disclosed_acts
from tergeu.documents.services import document_render
from tergeu.integrity.selectors import InclusionProof, acts_inclusion
from tergeu.integrity.services import head_checkpoint, head_sign
from tergeu.integrity.signer import log_signer
from tergeu.journal.models import Act
from tergeu.signing.acts import DecisionShown, revisions_of, visible_revisions
from tergeu.signing.models import SignedDocument
from tergeu.signing.trust import trust_store


def case_bundle(
    reader: Official, case: Case, *, surface: str, language: str, documents: bool = True
) -> bytes:
    """The ZIP of `case` as `reader` may see it (the caller has passed the gate)."""
    view = defence_view(reader, case)
    decision_shown: DecisionShown = None
    if view is not None:
        scope = "defence"
        decision_shown = view.grounds.__contains__
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
    every = [act for _, chained in chains for act in chained]
    proofs = acts_inclusion(every, head)
    signed = revisions_of(every, language) if documents else {}
    entries = []
    for chain, chained in chains:
        folder = chain.replace(":", "-")
        for act in chained:
            entry = _entry(act, chain, folder, proofs[act.pk], files)
            if documents:
                rows = visible_revisions(signed[act.pk], decision_shown)
                entry["document"] = _document(act, folder, rows, files, language)
            entries.append(entry)
    roots = [certificate_pem_of(root) for root in trust_store().roots]
    for index, root in enumerate(roots, start=1):
        files[f"certificates/root-{index}.pem"] = root
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
        "trust_roots": [f"certificates/root-{index}.pem" for index in range(1, len(roots) + 1)],
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    return _zipped(manifest, files.items())


def _entry(
    act: Act, chain: str, folder: str, proof: InclusionProof, files: dict[str, bytes]
) -> dict[str, Any]:
    path = f"acts/{folder}/{act.seq:06d}.json"
    files[path] = bytes(act.canonical)
    return {
        "chain": chain,
        "seq": act.seq,
        "kind": act.kind,
        "hash": act.hash,
        "canonical": path,
        "leaf_index": proof.leaf_index,
        "proof": [h.hex() for h in proof.path],
        "document": None,
    }


def _document(
    act: Act, folder: str, rows: list[SignedDocument], files: dict[str, bytes], language: str
) -> dict[str, Any]:
    """The act's document as signed (its latest revision the reader may see), with who signed
    it in order; a document its author has not signed yet, as rendered, with no signer."""
    pdf = blob_read(rows[-1].pdf) if rows else document_render(act, language)
    path = f"documents/{folder}/{act.seq:06d}-{language}.pdf"
    files[path] = pdf
    return {
        "path": path,
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "signers": [
            {
                "iin": row.signer_iin,
                "role": row.role,
                "capacity": (row.decision or act).actor_role,
                "decision": row.decision.seq if row.decision is not None else None,
            }
            for row in rows
        ],
    }


def certificate_pem_of(certificate: asn1_x509.Certificate) -> bytes:
    armored: bytes = asn1_pem.armor("CERTIFICATE", certificate.dump())
    return armored


def _zipped(manifest: dict[str, Any], files: Iterable[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        for name, data in files:
            archive.writestr(name, data)
    return out.getvalue()
