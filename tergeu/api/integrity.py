"""The integrity log: an act's inclusion proof (for whoever may read the act), the latest signed
tree head, consistency between two tree sizes, and the log's public key (docs/integrity.md).
Hashes are hex; signatures base64."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.params.functions import Query
from tergeu_verify.checkpoint import checkpoint_body

from tergeu.access.gate import access_case, access_compartment
from tergeu.access.models import Surface
from tergeu.api.schemas import CODE_MAX, current, errors, file_answer
from tergeu.cases.models import Case, Compartment
from tergeu.defence.disclosure import disclosed_act_check
from tergeu.documents.services import language_check
from tergeu.errors import NotFound
from tergeu.integrity.bundle import case_bundle
from tergeu.integrity.models import TreeHead
from tergeu.integrity.selectors import InclusionProof, act_inclusion, head_latest, log_consistency
from tergeu.integrity.services import head_checkpoint
from tergeu.integrity.signer import log_signer, signer_key_id
from tergeu.journal.models import Act

router = Router(tags=["integrity log"])
log_router = Router(tags=["integrity log"])

# Tree sizes are leaf counts: 64-bit in the database.
SIZE_MAX = 2**63 - 1


class HeadOut(Schema):
    """A signed tree head. `checkpoint` is the exact text signed (C2SP checkpoint: origin, size,
    base64 root, `timestamp <ms>`); `signature` is over its UTF-8 bytes."""

    size: int
    root: str
    timestamp: datetime
    origin: str
    algorithm: str
    key_id: str
    signature: str
    checkpoint: str
    timestamps: list[str]  # RFC 3161 tokens over the checkpoint, base64 DER


class InclusionOut(Schema):
    """Act `seq` (of compartment `compartment`, if any) is leaf `leaf_index` of the tree that
    `head` signs; `path` is its RFC 9162 audit path, the leaf's sibling first."""

    case_id: int
    seq: int
    compartment: int | None
    act_hash: str
    leaf_index: int
    leaf_hash: str
    tree_size: int
    path: list[str]
    head: HeadOut


class ConsistencyOut(Schema):
    first: int
    second: int
    path: list[str]


class KeyOut(Schema):
    algorithm: str
    key_id: str
    public_key: str  # PEM SubjectPublicKeyInfo
    certificate: str  # PEM, when the signer has one


def head_out(head: TreeHead) -> dict[str, Any]:
    return {
        "size": head.size,
        "root": bytes(head.root).hex(),
        "timestamp": head.timestamp,
        "origin": head.origin,
        "algorithm": head.algorithm,
        "key_id": head.key_id,
        "signature": base64.b64encode(bytes(head.signature)).decode(),
        "checkpoint": checkpoint_body(head_checkpoint(head)).decode(),
        "timestamps": [
            base64.b64encode(bytes(t.token)).decode() for t in head.timestamps.order_by("id")
        ],
    }


def _inclusion_out(proof: InclusionProof) -> dict[str, Any]:
    act = proof.act
    return {
        "case_id": act.case_id,
        "seq": act.seq,
        "compartment": act.compartment.number if act.compartment else None,
        "act_hash": act.hash,
        "leaf_index": proof.leaf_index,
        "leaf_hash": proof.leaf_hash.hex(),
        "tree_size": proof.head.size,
        "path": [h.hex() for h in proof.path],
        "head": head_out(proof.head),
    }


def _act(case: Case, compartment: Compartment | None, seq: int) -> Act:
    act = (
        Act.objects.filter(case=case, compartment=compartment, seq=seq)
        .select_related("compartment")
        .only("case_id", "seq", "hash", "compartment__number")
        .first()
    )
    if act is None:
        raise NotFound(_("No such act."), code="act_not_found", details={"seq": seq})
    return act


TREE_SIZE = Query(None, ge=0, le=SIZE_MAX, description="prove against this signed tree head")


@router.get(
    "/{case_id}/acts/{seq}/proof",
    response={200: InclusionOut, **errors(404, 409)},
    summary="The proof that an act of the case's journal is in the signed integrity log",
)
def act_proof(
    request: HttpRequest, case_id: int, seq: int, tree_size: int | None = TREE_SIZE
) -> dict[str, Any]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="view_proof")
    missing = NotFound(_("No such act."), code="act_not_found", details={"seq": seq})
    # The defence proves only the acts disclosed to it (logged as disclosed).
    disclosed_act_check(user, case, seq, surface=Surface.API, action="view_proof", missing=missing)
    return _inclusion_out(act_inclusion(_act(case, None, seq), tree_size=tree_size))


@router.get(
    "/{case_id}/compartments/{number}/acts/{seq}/proof",
    response={200: InclusionOut, **errors(404, 409)},
    summary="The proof that an act of a covert compartment is in the signed integrity log",
)
def compartment_act_proof(
    request: HttpRequest, case_id: int, number: int, seq: int, tree_size: int | None = TREE_SIZE
) -> dict[str, Any]:
    compartment = access_compartment(
        current(request), case_id=case_id, number=number, surface=Surface.API, action="view_proof"
    )
    act = _act(compartment.case, compartment, seq)
    return _inclusion_out(act_inclusion(act, tree_size=tree_size))


@log_router.get(
    "/log/head",
    response={200: HeadOut, **errors(404)},
    summary="The latest signed tree head of the integrity log",
)
def log_head(request: HttpRequest) -> dict[str, Any]:
    head = head_latest()
    if head is None:
        raise NotFound(_("The log has no signed tree head yet."), code="tree_head_not_found")
    return head_out(head)


@log_router.get(
    "/log/consistency",
    response={200: ConsistencyOut, **errors()},
    summary="The proof that the log of one size is a prefix of the log of a larger size",
)
def log_consistency_proof(
    request: HttpRequest,
    first: int = Query(..., ge=0, le=SIZE_MAX),
    second: int | None = Query(None, ge=0, le=SIZE_MAX, description="default: the latest head"),
) -> dict[str, Any]:
    proof = log_consistency(first=first, second=second)
    return {"first": proof.first, "second": proof.second, "path": [h.hex() for h in proof.path]}


@log_router.get(
    "/log/key",
    response={200: KeyOut, **errors()},
    summary="The public key that signs the log's tree heads",
)
def log_key(request: HttpRequest) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization

    signer = log_signer()
    der = signer.public_key_der()
    pem = serialization.load_der_public_key(der).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "algorithm": signer.algorithm,
        "key_id": signer_key_id(signer),
        "public_key": pem.decode(),
        "certificate": signer.certificate_pem(),
    }


@router.get(
    "/{case_id}/export",
    response={200: None, **errors(404, 422)},
    openapi_extra=file_answer("application/zip"),
    summary="The case's bundle (ZIP) as I may see it, for the offline verifier (docs/bundle.md)",
)
def case_export(
    request: HttpRequest,
    case_id: int,
    lang: str = Query("ru", max_length=CODE_MAX),
    documents: bool = True,
) -> HttpResponse:
    """Acts with their canonical bytes, documents, inclusion proofs and a tree head signed for
    this export. An official gets the case's journal and the covert compartments that name
    them; a defence lawyer the acts disclosed to the defence."""
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="export")
    language_check(lang)
    data = case_bundle(user, case, surface=Surface.API, language=lang, documents=documents)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{case.register_number}.zip"'
    return response
