"""The defence: entering a case (a notice of defence, an appointment), leaving it, motions,
complaints to the investigating judge, evidence presented, and the log of what was disclosed.
The decisions on them — `motion_decision`, `evidence_attachment`, the judge's `decision` — are
ordinary acts: POST /api/v1/cases/{id}/acts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.params.functions import Query
from pydantic import Field

from tergeu.access.gate import access_case, access_log, holds_role
from tergeu.access.models import Surface
from tergeu.accounts.models import Official, Role
from tergeu.api.schemas import CODE_MAX, OFFSET_MAX, TEXT_MAX, current, errors
from tergeu.defence import services
from tergeu.defence.models import DefenceAdmission, DisclosureLog
from tergeu.errors import InvalidInput
from tergeu.journal.kinds import Moment
from tergeu.journal.models import Act

router = Router(tags=["defence"])


class NoticeIn(Schema):
    """The lawyer names the case by its register number and the client by IIN."""

    register_number: str = Field(max_length=32, examples=["257511010000001"])
    client_iin: str = Field(max_length=12, examples=["900101300017"])
    performed_at: Moment | None = None


class AppointmentIn(Schema):
    party: str = Field(max_length=16, examples=["iin:900101300017"])
    lawyer_id: int = Field(ge=1, le=2**63 - 1)
    grounds: str = Field("", max_length=4000)
    performed_at: Moment | None = None


class EndIn(Schema):
    party: str = Field(max_length=16)
    lawyer_id: int = Field(ge=1, le=2**63 - 1)
    reasons: str = Field(max_length=4000)
    performed_at: Moment | None = None


class MotionIn(Schema):
    party: str = Field(max_length=16)
    matter: str = Field(max_length=CODE_MAX, examples=["documents"])
    text: str = Field(max_length=4000)
    performed_at: Moment | None = None


class ComplaintIn(Schema):
    grounds: str = Field(max_length=4000)
    performed_at: Moment | None = None


class AdmissionOut(Schema):
    """A lawyer admitted to a case for a client, from act `since_seq` (to `until_seq`)."""

    case_id: int
    lawyer_id: int
    party: str
    via: str
    since_seq: int
    since: datetime
    until_seq: int | None
    until: datetime | None


class DefenceActOut(Schema):
    seq: int
    kind: str
    payload: dict[str, Any]
    actor_id: int
    actor_role: str
    performed_at: datetime
    recorded_at: datetime
    hash: str
    prev_hash: str


class DisclosureOut(Schema):
    """One act shown to a lawyer: `ground` says why the law opens it (own, client, copy,
    file)."""

    lawyer_id: int
    act_seq: int
    act_kind: str
    ground: str
    surface: str
    action: str
    at: datetime


class Disclosures(Schema):
    case_id: int
    count: int
    items: list[DisclosureOut]


def _admission(admission: DefenceAdmission) -> dict[str, Any]:
    return {name: getattr(admission, name) for name in AdmissionOut.model_fields}


def _act(act: Act) -> dict[str, Any]:
    return {name: getattr(act, name) for name in DefenceActOut.model_fields}


def _lawyer(lawyer_id: int) -> Official:
    lawyer = Official.objects.filter(pk=lawyer_id).first()
    if lawyer is None:
        raise InvalidInput(
            _("Only a defence lawyer enters a case as a defender."),
            code="not_a_defence_lawyer",
            details={"lawyer_id": lawyer_id},
        )
    return lawyer


@router.post(
    "/defence/notices",
    response={201: AdmissionOut, **errors(403, 404, 409)},
    summary="Enter a case by a notice of defence (the case by register number, the client by IIN)",
)
def notice_file(request: HttpRequest, body: NoticeIn) -> Status[dict[str, Any]]:
    user = current(request)
    admission = services.defence_notice_file(
        lawyer=user,
        register_number=body.register_number,
        client_iin=body.client_iin,
        performed_at=body.performed_at,
    )
    access_log(user, case=admission.case, surface=Surface.API, action="defence_notice")
    return Status(201, _admission(admission))


@router.post(
    "/cases/{case_id}/defence/appointments",
    response={201: AdmissionOut, **errors(403, 404, 409)},
    summary="Appoint a defender through legal aid",
)
def appointment_make(
    request: HttpRequest, case_id: int, body: AppointmentIn
) -> Status[dict[str, Any]]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="append_act")
    admission = services.defence_appoint(
        case=case,
        actor=user,
        lawyer=_lawyer(body.lawyer_id),
        party=body.party,
        grounds=body.grounds,
        performed_at=body.performed_at,
    )
    return Status(201, _admission(admission))


@router.post(
    "/cases/{case_id}/defence/ends",
    response={201: AdmissionOut, **errors(403, 404, 409)},
    summary="End a defender's participation (refusal or replacement)",
)
def admission_end(request: HttpRequest, case_id: int, body: EndIn) -> Status[dict[str, Any]]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="append_act")
    admission = services.defence_end(
        case=case,
        actor=user,
        lawyer=_lawyer(body.lawyer_id),
        party=body.party,
        reasons=body.reasons,
        performed_at=body.performed_at,
    )
    return Status(201, _admission(admission))


@router.post(
    "/cases/{case_id}/defence/motions",
    response={201: DefenceActOut, **errors(403, 404, 409)},
    summary="File a motion of the defence (decided within 3 days)",
)
def motion_file(request: HttpRequest, case_id: int, body: MotionIn) -> Status[dict[str, Any]]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="append_act")
    act = services.motion_file(
        case=case,
        lawyer=user,
        party=body.party,
        matter=body.matter,
        text=body.text,
        performed_at=body.performed_at,
    )
    return Status(201, _act(act))


@router.post(
    "/cases/{case_id}/defence/motions/{seq}/complaint",
    response={201: DefenceActOut, **errors(403, 404, 409)},
    summary="Take a refused or undecided motion to the investigating judge",
)
def complaint_file(
    request: HttpRequest, case_id: int, seq: int, body: ComplaintIn
) -> Status[dict[str, Any]]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="append_act")
    act = services.complaint_file(
        case=case, lawyer=user, motion_seq=seq, grounds=body.grounds, performed_at=body.performed_at
    )
    return Status(201, _act(act))


@router.post(
    "/cases/{case_id}/defence/evidence",
    response={201: DefenceActOut, **errors(403, 404, 409, 413, 415)},
    summary="Present evidence the defence collected (the body must attach it)",
)
def evidence_submit(
    request: HttpRequest,
    case_id: int,
    file: File[UploadedFile],
    party: Form[Annotated[str, Field(max_length=CODE_MAX)]],
    description: Form[Annotated[str, Field(max_length=TEXT_MAX)]],
) -> Status[dict[str, Any]]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="add_attachment")
    act = services.evidence_submit(
        case=case,
        lawyer=user,
        party=party,
        description=description,
        stream=file,
        filename=file.name or "file",
    )
    return Status(201, _act(act))


@router.get(
    "/cases/{case_id}/defence/disclosures",
    response={200: Disclosures, **errors(404)},
    summary="What was disclosed to the defence, newest first (a lawyer: to them)",
)
def disclosures(
    request: HttpRequest,
    case_id: int,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> dict[str, Any]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="view_disclosures")
    rows = DisclosureLog.objects.filter(case=case)
    if holds_role(user, Role.DEFENCE_LAWYER):
        # A lawyer reads what was disclosed to them; the officials of the case, to everyone.
        rows = rows.filter(lawyer=user)
    items = [
        {name: getattr(row, name) for name in DisclosureOut.model_fields}
        for row in rows[offset : offset + limit]
    ]
    return {"case_id": case.pk, "count": rows.count(), "items": items}
