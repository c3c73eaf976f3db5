"""Evidence of a case: the items and where each stands in its chain of custody, seizing an item
(a digital one with its file), the steps that follow, and the item's label."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from tergeu.access.gate import access_case, access_log
from tergeu.access.models import Surface
from tergeu.api.schemas import CODE_MAX, PLACE_MAX, TEXT_MAX, current, errors, file_answer
from tergeu.errors import NotFound
from tergeu.evidence import services
from tergeu.evidence.labels import evidence_label
from tergeu.evidence.models import EvidenceItem

router = Router(tags=["evidence"])


class ItemOut(Schema):
    """An item of evidence: `custody` is the last step of its chain (seized, sealed,
    transferred, examined, returned, destroyed); `sha256` names a digital item's file."""

    number: int
    nature: str
    description: str
    seal: str
    holder: str
    custody: str
    sha256: str
    filename: str
    seized_seq: int
    last_seq: int


class ItemList(Schema):
    items: list[ItemOut]


class StepIn(Schema):
    """One step of the chain of custody and its fields: `seal` — seal and packaging; `transfer`
    — to; `examine` — expert and purpose; `return` — to; `destroy` — grounds."""

    step: str = Field(max_length=CODE_MAX, examples=["seal"])
    fields: dict[str, Any] = Field(default_factory=dict, examples=[{"seal": "№ 0417"}])


def _item(item: EvidenceItem) -> dict[str, Any]:
    return {
        "number": item.number,
        "nature": item.nature,
        "description": item.description,
        "seal": item.seal,
        "holder": item.holder,
        "custody": item.custody,
        "sha256": item.blob_id or "",
        "filename": item.filename,
        "seized_seq": item.seized_seq,
        "last_seq": item.last_seq,
    }


@router.get(
    "/cases/{case_id}/evidence",
    response={200: ItemList, **errors(404)},
    summary="The items of evidence of a case and their chain of custody",
)
def evidence_list(request: HttpRequest, case_id: int) -> dict[str, Any]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="view_evidence")
    return {"items": [_item(i) for i in services.evidence_visible(user, case).order_by("number")]}


@router.post(
    "/cases/{case_id}/evidence",
    response={201: ItemOut, **errors(403, 404, 409, 413, 415)},
    summary="Seize an item of evidence (a digital one with its file)",
)
def evidence_seize(
    request: HttpRequest,
    case_id: int,
    description: Form[Annotated[str, Field(max_length=TEXT_MAX)]],
    nature: Form[Annotated[str, Field(max_length=CODE_MAX)]],
    place: Form[Annotated[str, Field(max_length=PLACE_MAX)]],
    file: UploadedFile | None = File(None),  # type: ignore[type-arg]  # noqa: B008
) -> Status[dict[str, Any]]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="append_act")
    item = services.evidence_seize(
        case=case,
        actor=user,
        description=description,
        nature=nature,
        place=place,
        stream=file,
        filename=(file.name or "file") if file is not None else "",
    )
    return Status(201, _item(item))


@router.post(
    "/cases/{case_id}/evidence/{number}/custody",
    response={201: ItemOut, **errors(403, 404, 409)},
    summary="Take an item of evidence one step along its chain of custody",
)
def evidence_step(
    request: HttpRequest, case_id: int, number: int, body: StepIn
) -> Status[dict[str, Any]]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="append_act")
    item = services.evidence_step(
        case=case, actor=user, number=number, step=body.step, fields=body.fields
    )
    return Status(201, _item(item))


@router.get(
    "/cases/{case_id}/evidence/{number}/label",
    response={200: None, **errors(404)},
    openapi_extra=file_answer("application/pdf"),
    summary="The label of an item of evidence (PDF, with a QR code)",
)
def evidence_label_get(request: HttpRequest, case_id: int, number: int) -> HttpResponse:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="view_evidence")
    item = (
        services.evidence_visible(user, case).filter(number=number).select_related("case").first()
    )
    if item is None:
        raise NotFound(
            _("No such item of evidence."), code="evidence_not_found", details={"number": number}
        )
    access_log(
        user, case=case, surface=Surface.API, action="evidence_label", detail={"number": number}
    )
    response = HttpResponse(evidence_label(item), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{case.register_number}-evidence-{number}.pdf"'
    )
    return response
