"""Procedural documents as PDF: an act of a case's journal, an act of a covert compartment, the
protocol accepting a crime report. `lang` is kk, ru or en; without it, the request's language.
Every download passes the access gate and is logged (action `download_document`)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.params.functions import Path

from tergeu.access.models import Surface
from tergeu.api.schemas import ID_MAX, current, errors, file_answer
from tergeu.documents.selectors import (
    Document,
    act_document,
    compartment_act_document,
    report_document,
)
from tergeu.documents.services import language_or_default

router = Router(tags=["documents"])
Language = Literal["kk", "ru", "en"]


def _pdf(document: Document) -> HttpResponse:
    response = HttpResponse(document.content, content_type=document.content_type)
    response["Content-Disposition"] = f'inline; filename="{document.filename}"'
    return response


@router.get(
    "/cases/{case_id}/acts/{seq}/document",
    response={200: None, **errors(404)},
    openapi_extra=file_answer("application/pdf"),
    summary="The document of an act, as PDF",
)
def act_document_get(
    request: HttpRequest,
    case_id: int,
    seq: int = Path(..., ge=1, le=ID_MAX),
    lang: Language | None = None,
) -> HttpResponse:
    document = act_document(
        current(request),
        case_id=case_id,
        seq=seq,
        language=language_or_default(lang),
        surface=Surface.API,
    )
    return _pdf(document)


@router.get(
    "/cases/{case_id}/compartments/{number}/acts/{seq}/document",
    response={200: None, **errors(404)},
    openapi_extra=file_answer("application/pdf"),
    summary="The document of an act of a covert compartment, as PDF",
)
def compartment_act_document_get(
    request: HttpRequest,
    case_id: int,
    number: int = Path(..., ge=1, le=ID_MAX),
    seq: int = Path(..., ge=1, le=ID_MAX),
    lang: Language | None = None,
) -> HttpResponse:
    document = compartment_act_document(
        current(request),
        case_id=case_id,
        number=number,
        seq=seq,
        language=language_or_default(lang),
        surface=Surface.API,
    )
    return _pdf(document)


@router.get(
    "/reports/{report_id}/document",
    response={200: None, **errors(404)},
    openapi_extra=file_answer("application/pdf"),
    summary="The protocol accepting a crime report, as PDF",
)
def report_document_get(
    request: HttpRequest, report_id: int, lang: Language | None = None
) -> HttpResponse:
    document = report_document(
        current(request),
        report_id=report_id,
        language=language_or_default(lang),
        surface=Surface.API,
    )
    return _pdf(document)
