"""Crime reports: intake into the КУИ and the decision on each report."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.params.functions import Query
from pydantic import Field

from tergeu.access.gate import access_log, access_report, visible_reports
from tergeu.access.models import Surface
from tergeu.accounts.models import Agency
from tergeu.api.schemas import (
    CODE_MAX,
    OFFSET_MAX,
    PLACE_MAX,
    TEXT_MAX,
    EntityIn,
    Page,
    PersonIn,
    QualificationIn,
    current,
    errors,
)
from tergeu.errors import InvalidInput
from tergeu.journal.kinds import Moment
from tergeu.registry import services
from tergeu.registry.models import CrimeReport, ReportStatus

router = Router(tags=["reports"])


class ReportIn(Schema):
    agency_id: int
    source: str = Field(max_length=CODE_MAX, examples=["written_statement"])
    summary: str = Field(max_length=TEXT_MAX)
    received_at: Moment | None = None
    applicant: PersonIn | None = None
    applicant_entity: EntityIn | None = None
    event_place: str = Field("", max_length=PLACE_MAX)
    event_time: Moment | None = None


class ReportOut(Schema):
    id: int
    agency_id: int
    source: str
    status: str
    received_at: datetime
    summary: str
    event_place: str
    event_time: datetime | None
    applicant: str | None
    case_id: int | None
    register_number: str | None


class ReportList(Page):
    items: list[ReportOut]


def _out(report: CrimeReport) -> dict[str, Any]:
    applicant = report.applicant_person or report.applicant_entity
    return {
        "id": report.pk,
        "agency_id": report.agency_id,
        "source": report.source,
        "status": report.status,
        "received_at": report.received_at,
        "summary": report.summary,
        "event_place": report.event_place,
        "event_time": report.event_time,
        "applicant": str(applicant) if applicant else None,
        "case_id": report.case_id,
        "register_number": report.case.register_number if report.case else None,
    }


@router.post(
    "", response={201: ReportOut, **errors(403, 404)}, summary="Receive a crime report (КУИ)"
)
def report_create(request: HttpRequest, body: ReportIn) -> Status[dict[str, Any]]:
    report = services.report_intake(
        agency=get_object_or_404(Agency, pk=body.agency_id),
        received_by=current(request),
        source=body.source,
        summary=body.summary,
        received_at=body.received_at,
        applicant=body.applicant.dict() if body.applicant else None,
        applicant_entity=body.applicant_entity.dict() if body.applicant_entity else None,
        event_place=body.event_place,
        event_time=body.event_time,
    )
    return Status(201, _out(report))


@router.get("", response={200: ReportList, **errors()}, summary="Reports I may see")
def report_list(
    request: HttpRequest,
    status: str = Query("", max_length=CODE_MAX),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> dict[str, Any]:
    qs = visible_reports(current(request)).select_related(
        "applicant_person", "applicant_entity", "case"
    )
    if status:
        qs = qs.filter(status=status)
    access_log(
        current(request), surface=Surface.API, action="list_reports", detail={"status": status}
    )
    return {
        "count": qs.count(),
        "limit": limit,
        "offset": offset,
        "items": [_out(r) for r in qs[offset : offset + limit]],
    }


@router.get("/{report_id}", response={200: ReportOut, **errors(404)}, summary="One report")
def report_detail(request: HttpRequest, report_id: int) -> dict[str, Any]:
    return _out(access_report(current(request), report_id=report_id, surface=Surface.API))


class DecisionIn(Schema):
    """register: opens a case (qualification required). forward_administrative / forward_audit:
    addressee required (179(4), 181(5)). refuse: ground and reasons required (179(1)).
    transfer: to_agency_id required."""

    decision: Literal["register", "forward_administrative", "forward_audit", "refuse", "transfer"]
    qualification: QualificationIn | None = None
    summary: str = Field("", max_length=TEXT_MAX)
    investigation_unit_id: int | None = None
    supervising_office_id: int | None = None
    addressee: str = Field("", max_length=PLACE_MAX)
    ground: str = Field("", max_length=CODE_MAX)
    reasons: str = Field("", max_length=TEXT_MAX)
    to_agency_id: int | None = None


@router.post(
    "/{report_id}/decision",
    response={200: ReportOut, **errors(403, 404, 409)},
    summary="Decide on a report",
)
def report_decide(request: HttpRequest, report_id: int, body: DecisionIn) -> dict[str, Any]:
    user = current(request)
    report = access_report(user, report_id=report_id, surface=Surface.API)
    if body.decision == "register":
        if body.qualification is None:
            raise InvalidInput(
                _("Registration needs a qualification."), code="qualification_required"
            )
        services.report_register(
            report=report,
            actor=user,
            qualification=body.qualification.dict(),
            summary=body.summary,
            investigation_unit=_agency(body.investigation_unit_id),
            supervising_office=_agency(body.supervising_office_id),
        )
    elif body.decision in ("forward_administrative", "forward_audit"):
        status = (
            ReportStatus.FORWARDED_ADMINISTRATIVE
            if body.decision == "forward_administrative"
            else ReportStatus.FORWARDED_AUDIT
        )
        services.report_forward(
            report=report, actor=user, status=status, addressee=body.addressee, reasons=body.reasons
        )
    elif body.decision == "refuse":
        services.report_refuse(report=report, actor=user, ground=body.ground, reasons=body.reasons)
    else:
        target = _agency(body.to_agency_id)
        if target is None:
            raise InvalidInput(_("Name the body to transfer to."), code="to_agency_required")
        services.report_transfer(report=report, actor=user, to_agency=target, reasons=body.reasons)
    report.refresh_from_db()
    return _out(report)


def _agency(agency_id: int | None) -> Agency | None:
    if agency_id is None:
        return None
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise InvalidInput(
            _("No such agency."), code="unknown_agency", details={"agency_id": agency_id}
        )
    return agency
