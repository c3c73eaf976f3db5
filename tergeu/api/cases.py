"""Cases: list and search, detail, journal, appending acts, attachments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.params.functions import Query
from pydantic import Field

from tergeu import clock
from tergeu.access.gate import access_case, access_log, holds_role, visible_cases
from tergeu.access.models import Surface
from tergeu.accounts.models import Role
from tergeu.api.schemas import (
    CODE_MAX,
    OFFSET_MAX,
    AgencyOut,
    AwaitingOut,
    Deadline,
    EntityIn,
    OfficialOut,
    Page,
    PersonIn,
    current,
    deadline_out,
    errors,
    file_answer,
    official_out,
)
from tergeu.attachments.selectors import attachment_download
from tergeu.attachments.services import attachment_add
from tergeu.cases import selectors
from tergeu.cases.awaited import queue
from tergeu.cases.services import participant_admit
from tergeu.defence.disclosure import (
    defence_view,
    detail_disclosed,
    disclosed_acts,
    reads_as_defence,
)
from tergeu.defence.services import SERVICE_KINDS
from tergeu.errors import InvalidInput
from tergeu.evidence.services import SERVICE_KINDS as EVIDENCE_KINDS
from tergeu.journal.kinds import KINDS, Moment
from tergeu.journal.models import Act
from tergeu.journal.services import act_append, acts_judged
from tergeu.procedure.state import from_json

router = Router(tags=["cases"])
me_router = Router(tags=["me"])


class CaseRow(Schema):
    id: int
    register_number: str
    registered_at: datetime
    stage: str
    summary: str
    qualification_article: str
    offence_category: str
    investigation_form: str
    investigation_unit_id: int


class CaseList(Page):
    items: list[CaseRow]


class ParticipantOut(Schema):
    party: str
    name: str
    role: str
    status: str
    since_seq: int


class PersonOut(Schema):
    """A person's procedural position as the engine keeps it: status (none, suspect_pending,
    suspect, accused, convicted, acquitted), measures in force, and the acts whose results are
    inadmissible (e.g. an interrogation after the prosecutor refused the recognition)."""

    party: str
    status: str
    minor: bool
    detained_at: datetime | None
    custody_until: datetime | None
    inadmissible: list[int]


class CaseOut(CaseRow):
    qualification_part: str
    qualification_paragraph: str
    investigation_unit: AgencyOut
    supervising_office: AgencyOut
    lead_investigator: OfficialOut | None
    procedural_prosecutor: OfficialOut | None
    acts_count: int
    last_hash: str
    participants: list[ParticipantOut]
    deadlines: list[Deadline]
    awaiting: list[AwaitingOut]
    persons: list[PersonOut]


class ActOut(Schema):
    seq: int
    kind: str
    payload: dict[str, Any]
    actor_id: int
    actor_role: str
    performed_at: datetime
    recorded_at: datetime
    hash: str
    prev_hash: str
    # Only for the officials named on a covert compartment, for its acts: its number.
    compartment: int | None = None
    # The act that annulled this one (the prosecutor's annulment, a cancelled termination).
    annulled_by: int | None = None


class Journal(Schema):
    case_id: int
    acts: list[ActOut]
    next_after_seq: int | None


class ActIn(Schema):
    """`payload` must fit the schema of `kind` (see docs/act-kinds.md). For
    participant_admission, send `person` (or `entity`) and `payload.role`: the person is entered in
    the register if new and `payload.party` is filled in."""

    kind: str = Field(max_length=64, examples=["note"])
    payload: dict[str, Any]
    performed_at: Moment | None = None
    person: PersonIn | None = None
    entity: EntityIn | None = None


def _row(case: Any) -> dict[str, Any]:
    return {
        "id": case.pk,
        "register_number": case.register_number,
        "registered_at": case.registered_at,
        "stage": case.stage,
        "summary": case.summary,
        "qualification_article": case.qualification_article,
        "offence_category": case.offence_category,
        "investigation_form": case.investigation_form,
        "investigation_unit_id": case.investigation_unit_id,
    }


def _act(act: Act) -> dict[str, Any]:
    return {
        "seq": act.seq,
        "kind": act.kind,
        "payload": act.payload,
        "actor_id": act.actor_id,
        "actor_role": act.actor_role,
        "performed_at": act.performed_at,
        "recorded_at": act.recorded_at,
        "hash": act.hash,
        "prev_hash": act.prev_hash,
        "compartment": act.compartment.number if act.compartment else None,
    }


@router.get("", response={200: CaseList, **errors()}, summary="Cases I may see, newest first")
def case_list(
    request: HttpRequest,
    q: str = Query("", max_length=200),
    stage: str = Query("", max_length=CODE_MAX),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> dict[str, Any]:
    user = current(request)
    # A lawyer finds cases by number and summary only (a name or an IIN could reveal a
    # participant not disclosed to the defence).
    qs = visible_cases(user).search(q, people=not holds_role(user, Role.DEFENCE_LAWYER))
    if stage:
        qs = qs.filter(stage=stage)
    cases = list(qs[offset : offset + limit])
    # The list shows numbers and summaries: the row names every case it showed.
    detail = {"q": q, "stage": stage, "case_ids": [c.pk for c in cases]}
    access_log(user, surface=Surface.API, action="list_cases", detail=detail)
    rows = [_row(c) for c in cases]
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": rows}


@router.get("/{case_id}", response={200: CaseOut, **errors(404)}, summary="One case")
def case_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API)
    detail = selectors.case_detail(case)
    view = defence_view(user, case)
    if view is not None:
        # The defence: the participants, clocks and requests of the acts open to it.
        detail = detail_disclosed(view, detail)
    persons = from_json(case.procedure).persons.values()
    return {
        **_row(case),
        "qualification_part": case.qualification_part,
        "qualification_paragraph": case.qualification_paragraph,
        "investigation_unit": case.investigation_unit,
        "supervising_office": case.supervising_office,
        "lead_investigator": official_out(case.lead_investigator),
        "procedural_prosecutor": official_out(case.procedural_prosecutor),
        "acts_count": case.last_seq,
        "last_hash": case.last_hash,
        "participants": [
            {
                "party": p.party,
                "name": str(p.person or p.legal_entity),
                "role": p.role,
                "status": p.status,
                "since_seq": p.since_seq,
            }
            for p in detail.participants
        ],
        "deadlines": [deadline_out(d) for d in detail.deadlines],
        "awaiting": [
            {name: getattr(a, name) for name in AwaitingOut.model_fields} for a in detail.awaiting
        ],
        "persons": [
            {
                "party": p.party,
                "status": p.status,
                "minor": p.minor,
                "detained_at": p.detained_at,
                "custody_until": p.custody_until,
                "inadmissible": list(p.inadmissible),
            }
            for p in persons
            if view is None or view.sees_party(p.party)
        ],
    }


class ActKindOut(Schema):
    kind: str
    label: str
    article: str


class RefusedKind(ActKindOut):
    reasons: list[dict[str, Any]]


class ActsAllowed(Schema):
    case_id: int
    allowed: list[ActKindOut]
    refused: list[RefusedKind] | None = None


@router.get(
    "/{case_id}/acts/allowed",
    response={200: ActsAllowed, **errors(404)},
    summary="The acts I may perform on the case now (and, with explain=true, why not the others)",
)
def acts_allowed(request: HttpRequest, case_id: int, explain: bool = False) -> dict[str, Any]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API)
    judged = acts_judged(user, case)

    def kind_out(code: str) -> dict[str, Any]:
        kind = KINDS[code]
        return {"kind": code, "label": str(kind.label), "article": kind.article}

    result: dict[str, Any] = {
        "case_id": case.pk,
        "allowed": [kind_out(code) for code, reasons in sorted(judged.items()) if not reasons],
    }
    if explain:
        result["refused"] = [
            {**kind_out(code), "reasons": reasons}
            for code, reasons in sorted(judged.items())
            if reasons
        ]
    return result


@router.get(
    "/{case_id}/acts",
    response={200: Journal, **errors(404)},
    summary="The case's journal, in order",
)
def case_journal(
    request: HttpRequest,
    case_id: int,
    after_seq: int = Query(0, ge=0, le=OFFSET_MAX),
    limit: int = Query(100, ge=1, le=500),
) -> dict[str, Any]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="view_journal")
    if reads_as_defence(user, case):
        # A lawyer reads the acts the law opens to the defence, each logged as disclosed.
        shown = disclosed_acts(user, case, surface=Surface.API, after_seq=after_seq, limit=limit)
        return {
            "case_id": case.pk,
            "acts": [_act(a) for a in shown.acts],
            "next_after_seq": shown.acts[-1].seq if shown.more else None,
        }
    acts = list(
        Act.objects.filter(case=case, compartment__isnull=True, seq__gt=after_seq)
        .defer("canonical", "signatures")
        .order_by("seq")[:limit]
    )
    more = bool(acts) and acts[-1].seq < case.last_seq
    annulled = from_json(case.procedure).annulled  # act → the act that annulled it
    return {
        "case_id": case.pk,
        "acts": [{**_act(a), "annulled_by": annulled.get(a.seq)} for a in acts],
        "next_after_seq": acts[-1].seq if more else None,
    }


@router.post(
    "/{case_id}/acts", response={201: ActOut, **errors(403, 404, 409)}, summary="Append an act"
)
def case_act_append(request: HttpRequest, case_id: int, body: ActIn) -> Status[dict[str, Any]]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="append_act")
    if body.kind == "registration":
        raise InvalidInput(
            _("A case is opened by registering a report: POST /api/v1/reports/{id}/decision."),
            code="registration_via_report",
        )
    if body.kind in EVIDENCE_KINDS:
        # The item's row (where it stands in its chain of custody) is written with the act.
        raise InvalidInput(
            _("Evidence is seized and handled through POST /api/v1/cases/{id}/evidence…."),
            code="evidence_via_service",
            details={"kind": body.kind},
        )
    if body.kind in SERVICE_KINDS:
        # They change who defends whom, or must be filed by the client's own defender.
        raise InvalidInput(
            _("Acts of the defence are filed through POST /api/v1/cases/{id}/defence/…."),
            code="defence_via_service",
            details={"kind": body.kind},
        )
    if body.kind == "attachment":
        # The act must name bytes that are stored: only the upload writes both, together.
        raise InvalidInput(
            _("A file is attached by uploading it: POST /api/v1/cases/{id}/attachments."),
            code="attachment_via_upload",
        )
    if body.kind == "participant_admission" and (body.person or body.entity):
        # The party comes from `person` or `entity`: anything else in the payload (a `party`
        # naming someone else) would be silently ignored.
        # A person's phone and e-mail come with the payload, and become their contact, not
        # part of the act.
        contact = {"phone", "email"} if body.person else set()
        if (
            "role" not in body.payload
            or set(body.payload) - {"role"} - contact
            or (body.person and body.entity)
        ):
            raise InvalidInput(
                _("Send the role in the payload and either a person or an entity, nothing else."),
                code="invalid_payload",
                details={"payload": sorted(body.payload)},
            )
        role = body.payload.get("role", "")
        party_data: dict[str, Any] = body.person.dict() if body.person else {}
        party_data |= {name: str(body.payload[name]) for name in contact if name in body.payload}
        if body.entity:
            party_data = {"bin": body.entity.bin, "entity_name": body.entity.name}
        act = participant_admit(
            case=case, actor=user, role=role, performed_at=body.performed_at, **party_data
        )
    else:
        act = act_append(
            case=case,
            kind=body.kind,
            payload=body.payload,
            actor=user,
            performed_at=body.performed_at,
        )
    return Status(201, _act(act))


class AttachmentOut(Schema):
    seq: int
    filename: str
    sha256: str
    size: int
    mime: str


@router.post(
    "/{case_id}/attachments",
    response={201: AttachmentOut, **errors(403, 404, 409, 413, 415)},
    summary="Upload an attachment",
)
def case_attachment_upload(
    request: HttpRequest, case_id: int, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="add_attachment")
    att = attachment_add(case=case, actor=user, stream=file, filename=file.name or "file")
    return Status(
        201,
        {
            "seq": att.seq,
            "filename": att.filename,
            "sha256": att.blob.sha256,
            "size": att.blob.size,
            "mime": att.blob.mime,
        },
    )


@router.get(
    "/{case_id}/attachments/{seq}",
    response={200: None, **errors(404)},
    openapi_extra=file_answer("*/*"),
    summary="Download an attachment",
)
def case_attachment_download(request: HttpRequest, case_id: int, seq: int) -> FileResponse:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="download_attachment")
    return attachment_download(case, seq, reader=user, surface=Surface.API)


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    appointments: list[dict[str, Any]]


@me_router.get("/me", response={200: MeOut, **errors()}, summary="Who I am")
def me(request: HttpRequest) -> dict[str, Any]:
    user = current(request)
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.get_full_name(),
        "appointments": [
            {"agency_id": a.agency_id, "agency": a.agency.name, "role": a.role}
            for a in user.appointments.select_related("agency")
        ],
    }


class QueueItem(Schema):
    """A request awaiting my decision: decide it with an act of kind `decision` on the case,
    naming `request`."""

    case_id: int
    register_number: str
    request: int
    kind: str
    label: str
    role: str
    decision: str
    article: str
    opened_at: datetime
    due_at: datetime | None
    overdue: bool
    # A covert action's request (in the queues of the officials named on its compartment only):
    # decide it with POST /cases/{case_id}/compartments/{compartment}/acts.
    compartment: int | None = None


class Queue(Schema):
    items: list[QueueItem]


@me_router.get(
    "/me/queue",
    response={200: Queue, **errors()},
    summary="Requests awaiting my agreement, approval or sanction, the most urgent first",
)
def my_queue(request: HttpRequest, limit: int = Query(100, ge=1, le=500)) -> dict[str, Any]:
    user = current(request)
    rows = list(queue(user).filter(case__in=visible_cases(user))[:limit])
    access_log(
        user,
        surface=Surface.API,
        action="view_queue",
        detail={"case_ids": sorted({r.case_id for r in rows})},
    )
    now = clock.now()
    return {
        "items": [
            {
                "case_id": r.case_id,
                "register_number": r.case.register_number,
                "request": r.request_seq,
                "kind": r.kind,
                "label": str(KINDS[r.kind].label),
                "role": r.role,
                "decision": r.decision,
                "article": r.article,
                "opened_at": r.opened_at,
                "due_at": r.due_at,
                "overdue": r.due_at is not None and r.due_at < now,
                "compartment": r.compartment.number if r.compartment else None,
            }
            for r in rows
        ]
    }
