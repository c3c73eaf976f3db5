"""Reading documents through the access gate, for every surface (API, web): the act's case
(or the covert compartment, or the crime report) must be visible to the reader, a lawyer gets
only acts disclosed to the defence, and the read is written to the access log (and to the
disclosure log for a lawyer)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from tergeu.access.gate import access_case, access_compartment, access_report
from tergeu.accounts.models import Official
from tergeu.defence.disclosure import defence_view, disclosed_act_check
from tergeu.documents.services import document_render, language_check, report_protocol_render
from tergeu.errors import NotFound
from tergeu.journal.models import Act
from tergeu.signing.acts import signed_document

ACTION = "download_document"


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    content_type: str = "application/pdf"


def _missing(case_id: int, seq: int) -> NotFound:
    return NotFound(
        _("No such act."), code="act_not_found", details={"case_id": case_id, "seq": seq}
    )


@dataclass(frozen=True)
class ReadableAct:
    """An act the reader passed the gate for, and which decisions on it they may see (None:
    all of them)."""

    act: Act
    decision_shown: Callable[[int], bool] | None = None


def case_act(
    reader: Official, *, case_id: int, seq: int, surface: str, action: str, detail: dict[str, Any]
) -> ReadableAct:
    """Act `seq` of a case's journal, through the gate (a lawyer: only an act disclosed to the
    defence, the others as if they did not exist)."""
    case = access_case(reader, case_id=case_id, surface=surface, action=action, detail=detail)
    missing = _missing(case_id, seq)
    disclosed_act_check(reader, case, seq, surface=surface, action=action, missing=missing)
    act = (
        Act.objects.select_related("case", "actor")
        .filter(case=case, compartment__isnull=True, seq=seq)
        .first()
    )
    if act is None:
        raise missing
    view = defence_view(reader, case)
    return ReadableAct(act, (lambda s: s in view.grounds) if view is not None else None)


def compartment_act(
    reader: Official,
    *,
    case_id: int,
    number: int,
    seq: int,
    surface: str,
    action: str,
    detail: dict[str, Any],
) -> ReadableAct:
    """Act `seq` of covert compartment `number`, for the officials named on it; everyone else
    is told the compartment does not exist."""
    compartment = access_compartment(
        reader, case_id=case_id, number=number, surface=surface, action=action, detail=detail
    )
    act = (
        Act.objects.select_related("case", "actor", "compartment")
        .filter(compartment=compartment, seq=seq)
        .first()
    )
    if act is None:
        raise _missing(case_id, seq)
    return ReadableAct(act)


def _content(readable: ReadableAct, language: str) -> bytes:
    """The act's document: its latest signed revision the reader may see; until its author has
    signed, the document rendered with the decisions recorded on it so far."""
    signed = signed_document(readable.act, language, readable.decision_shown)
    if signed is not None:
        return signed[0]
    return document_render(
        readable.act, language, decisions=True, decision_shown=readable.decision_shown
    )


def act_document(
    reader: Official, *, case_id: int, seq: int, language: str, surface: str
) -> Document:
    """The document of act `seq` of a case's journal."""
    language_check(language)
    detail = {"seq": seq, "lang": language}
    readable = case_act(
        reader, case_id=case_id, seq=seq, surface=surface, action=ACTION, detail=detail
    )
    act = readable.act
    name = f"{act.case.register_number}-{seq}-{act.kind}-{language}.pdf"
    return Document(name, _content(readable, language))


def compartment_act_document(
    reader: Official, *, case_id: int, number: int, seq: int, language: str, surface: str
) -> Document:
    """The document of act `seq` of covert compartment `number`."""
    language_check(language)
    detail = {"seq": seq, "lang": language}
    readable = compartment_act(
        reader,
        case_id=case_id,
        number=number,
        seq=seq,
        surface=surface,
        action=ACTION,
        detail=detail,
    )
    act = readable.act
    name = f"{act.case.register_number}-covert{number}-{seq}-{act.kind}-{language}.pdf"
    return Document(name, _content(readable, language))


def report_document(reader: Official, *, report_id: int, language: str, surface: str) -> Document:
    """The protocol accepting a crime report into the КУИ."""
    language_check(language)
    report = access_report(reader, report_id=report_id, surface=surface, action=ACTION)
    return Document(f"report-{report.pk}-{language}.pdf", report_protocol_render(report, language))
