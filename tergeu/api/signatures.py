"""Signing acts' documents (docs/signing.md, "Acts"): the signatures a document carries, signing
it with the key kept on the server (development), and the two steps of signing it with the
official's signing application — prepare (the server keeps the PDF and gives the bytes to
sign), then send the detached CMS the application made. The same routes serve the acts of a
covert compartment, for the officials named on it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.params.functions import Path
from pydantic import Field

from tergeu.access.models import Surface
from tergeu.api.schemas import ID_MAX, current, errors
from tergeu.documents.selectors import ReadableAct, case_act, compartment_act
from tergeu.signing.acts import act_sign, act_sign_prepare, revisions, visible_revisions
from tergeu.signing.cms import CMS_MAX, cms_from_base64
from tergeu.signing.models import SignedDocument

router = Router(tags=["signatures"])
Language = Literal["kk", "ru", "en"]


class SignatureOut(Schema):
    """One signature of the document, in signing order: `revision` 1 is the author's; each
    later one countersigns a decision on the act (`decision_seq`). `document_sha256` names the
    PDF as it stood after this signature."""

    revision: int
    role: str
    decision_seq: int | None
    signer_id: int
    signer_name: str
    signer_iin: str
    certificate_sha256: str
    mode: str
    signed_at: datetime
    document_sha256: str


class SignatureList(Schema):
    lang: str
    signatures: list[SignatureOut]


class SignIn(Schema):
    """`lang`: the document's language. `cms`: the detached CMS (base64) the signing application
    made over the bytes `prepare` gave; without it the key kept on the server signs."""

    lang: Language
    cms: str | None = Field(default=None, max_length=CMS_MAX)


class PrepareIn(Schema):
    lang: Language


class PreparedOut(Schema):
    """What the signing application signs: `data` (base64) with a detached CMS (NCALayer:
    `createCAdESFromBase64`, `attached: false`); `digest_sha256` is its SHA-256 (hex), for an
    application that signs a hash."""

    field: str
    data: str
    digest_sha256: str


def _out(row: SignedDocument) -> dict[str, Any]:
    return {
        "revision": row.revision,
        "role": row.role,
        "decision_seq": row.decision.seq if row.decision is not None else None,
        "signer_id": row.signer_id,
        "signer_name": row.signer.get_full_name() or row.signer.username,
        "signer_iin": row.signer_iin,
        "certificate_sha256": row.certificate_sha256,
        "mode": row.mode,
        "signed_at": row.signed_at,
        "document_sha256": row.pdf_id,
    }


def _listed(readable: ReadableAct, lang: str) -> dict[str, Any]:
    rows = visible_revisions(revisions(readable.act, lang), readable.decision_shown)
    return {"lang": lang, "signatures": [_out(row) for row in rows]}


def _signed(request: HttpRequest, readable: ReadableAct, body: SignIn) -> Status[dict[str, Any]]:
    cms = cms_from_base64(body.cms) if body.cms is not None else None
    row = act_sign(current(request), readable.act, body.lang, cms=cms)
    return Status(201, _out(row))


def _prepared(request: HttpRequest, readable: ReadableAct, body: PrepareIn) -> dict[str, Any]:
    prepared = act_sign_prepare(current(request), readable.act, body.lang)
    return {
        "field": prepared.field,
        "data": prepared.data_base64,
        "digest_sha256": prepared.digest.hex(),
    }


def _case_act(request: HttpRequest, case_id: int, seq: int, action: str, lang: str) -> ReadableAct:
    return case_act(
        current(request),
        case_id=case_id,
        seq=seq,
        surface=Surface.API,
        action=action,
        detail={"seq": seq, "lang": lang},
    )


def _compartment_act(
    request: HttpRequest, case_id: int, number: int, seq: int, action: str, lang: str
) -> ReadableAct:
    return compartment_act(
        current(request),
        case_id=case_id,
        number=number,
        seq=seq,
        surface=Surface.API,
        action=action,
        detail={"seq": seq, "lang": lang},
    )


ACT = "/cases/{case_id}/acts/{seq}/signatures"
COVERT = "/cases/{case_id}/compartments/{number}/acts/{seq}/signatures"
SEQ = Path(..., ge=1, le=ID_MAX)


@router.get(ACT, response={200: SignatureList, **errors(404)}, summary="An act's signatures")
def signatures_list(
    request: HttpRequest, case_id: int, seq: int = SEQ, lang: Language = "ru"
) -> dict[str, Any]:
    return _listed(_case_act(request, case_id, seq, "view_signatures", lang), lang)


@router.post(
    ACT,
    response={201: SignatureOut, **errors(403, 404, 409, 422)},
    summary="Sign an act's document (author first, then each decision's countersignature)",
)
def signatures_add(
    request: HttpRequest, case_id: int, body: SignIn, seq: int = SEQ
) -> Status[dict[str, Any]]:
    readable = _case_act(request, case_id, seq, "sign_document", body.lang)
    return _signed(request, readable, body)


@router.post(
    f"{ACT}/prepare",
    response={200: PreparedOut, **errors(403, 404, 409, 422)},
    summary="Prepare an act's document for the signing application",
)
def signatures_prepare(
    request: HttpRequest, case_id: int, body: PrepareIn, seq: int = SEQ
) -> dict[str, Any]:
    readable = _case_act(request, case_id, seq, "sign_document", body.lang)
    return _prepared(request, readable, body)


@router.get(
    COVERT,
    response={200: SignatureList, **errors(404)},
    summary="A covert act's signatures",
)
def compartment_signatures_list(
    request: HttpRequest,
    case_id: int,
    number: int = Path(..., ge=1, le=ID_MAX),
    seq: int = SEQ,
    lang: Language = "ru",
) -> dict[str, Any]:
    readable = _compartment_act(request, case_id, number, seq, "view_signatures", lang)
    return _listed(readable, lang)


@router.post(
    COVERT,
    response={201: SignatureOut, **errors(403, 404, 409, 422)},
    summary="Sign a covert act's document",
)
def compartment_signatures_add(
    request: HttpRequest,
    case_id: int,
    body: SignIn,
    number: int = Path(..., ge=1, le=ID_MAX),
    seq: int = SEQ,
) -> Status[dict[str, Any]]:
    readable = _compartment_act(request, case_id, number, seq, "sign_document", body.lang)
    return _signed(request, readable, body)


@router.post(
    f"{COVERT}/prepare",
    response={200: PreparedOut, **errors(403, 404, 409, 422)},
    summary="Prepare a covert act's document for the signing application",
)
def compartment_signatures_prepare(
    request: HttpRequest,
    case_id: int,
    body: PrepareIn,
    number: int = Path(..., ge=1, le=ID_MAX),
    seq: int = SEQ,
) -> dict[str, Any]:
    readable = _compartment_act(request, case_id, number, seq, "sign_document", body.lang)
    return _prepared(request, readable, body)
