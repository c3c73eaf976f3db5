"""Reading documents through the access gate, for every surface (API, web): the act's case
(or the covert compartment, or the crime report) must be visible to the reader, a lawyer gets
only acts disclosed to the defence, and the read is written to the access log (and to the
disclosure log for a lawyer)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from tergeu.access.gate import access_case, access_compartment, access_report
from tergeu.accounts.models import Official
from tergeu.defence.disclosure import defence_view, disclosed_act_check
from tergeu.documents.services import document_render, language_check, report_protocol_render
from tergeu.errors import NotFound
from tergeu.journal.models import Act

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


def act_document(
    reader: Official, *, case_id: int, seq: int, language: str, surface: str
) -> Document:
    """The document of act `seq` of a case's journal, with the decisions on it recorded so far
    (those the reader may read)."""
    language_check(language)
    detail = {"seq": seq, "lang": language}
    case = access_case(reader, case_id=case_id, surface=surface, action=ACTION, detail=detail)
    missing = _missing(case_id, seq)
    disclosed_act_check(reader, case, seq, surface=surface, action=ACTION, missing=missing)
    act = (
        Act.objects.select_related("case", "actor")
        .filter(case=case, compartment__isnull=True, seq=seq)
        .first()
    )
    if act is None:
        raise missing
    view = defence_view(reader, case)
    content = document_render(
        act,
        language,
        decisions=True,
        decision_shown=(lambda s: s in view.grounds) if view is not None else None,
    )
    return Document(f"{case.register_number}-{seq}-{act.kind}-{language}.pdf", content)


def compartment_act_document(
    reader: Official, *, case_id: int, number: int, seq: int, language: str, surface: str
) -> Document:
    """The document of act `seq` of covert compartment `number`, for the officials named on
    it; everyone else is told the compartment does not exist."""
    language_check(language)
    detail = {"seq": seq, "lang": language}
    compartment = access_compartment(
        reader, case_id=case_id, number=number, surface=surface, action=ACTION, detail=detail
    )
    act = (
        Act.objects.select_related("case", "actor", "compartment")
        .filter(compartment=compartment, seq=seq)
        .first()
    )
    if act is None:
        raise _missing(case_id, seq)
    content = document_render(act, language, decisions=True)
    name = f"{compartment.case.register_number}-covert{number}-{seq}-{act.kind}-{language}.pdf"
    return Document(name, content)


def report_document(reader: Official, *, report_id: int, language: str, surface: str) -> Document:
    """The protocol accepting a crime report into the КУИ."""
    language_check(language)
    report = access_report(reader, report_id=report_id, surface=surface, action=ACTION)
    return Document(f"report-{report.pk}-{language}.pdf", report_protocol_render(report, language))
