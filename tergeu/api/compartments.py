"""Covert compartments of a case, for the officials named on them (arts 231–240).

Everyone else — other officials of the case, the defence (art. 70(2)(5)) — gets an empty list
and "not found", the same as for a compartment that does not exist: not even their number
shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from tergeu.access.gate import access_case, access_compartment
from tergeu.access.models import Surface
from tergeu.api.cases import ActIn, ActOut, _act
from tergeu.api.schemas import AwaitingOut, Deadline, current, deadline_out, errors
from tergeu.cases.compartments import compartments_of, part_load
from tergeu.cases.law import awaiting
from tergeu.cases.models import Compartment
from tergeu.journal.models import Act
from tergeu.journal.services import act_append

router = Router(tags=["covert compartments"])


class CovertOut(Schema):
    """A covert action: its request (`seq` in the compartment), the art. 231(1) item, whom it
    concerns, its status (requested, running, refused, ended, notified) and period."""

    seq: int
    item: int
    target: str
    status: str
    until: datetime | None
    ended_at: datetime | None


class CompartmentRow(Schema):
    number: int
    opened_at: datetime
    acts_count: int
    covert: list[CovertOut]


class CompartmentList(Schema):
    items: list[CompartmentRow]


class CompartmentOut(CompartmentRow):
    members: list[dict[str, Any]]
    deadlines: list[Deadline]
    awaiting: list[AwaitingOut]
    acts: list[ActOut]


def _row(compartment: Compartment) -> dict[str, Any]:
    part = part_load(compartment)
    return {
        "number": compartment.number,
        "opened_at": compartment.opened_at,
        "acts_count": compartment.last_seq,
        "covert": [
            {
                "seq": c.seq,
                "item": c.item,
                "target": c.target,
                "status": c.status,
                "until": c.until,
                "ended_at": c.ended_at,
            }
            for c in part.covert.values()
        ],
    }


@router.get(
    "/{case_id}/compartments",
    response={200: CompartmentList, **errors(404)},
    summary="The covert compartments of a case that name me",
)
def compartment_list(request: HttpRequest, case_id: int) -> dict[str, Any]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="view_compartments")
    return {"items": [_row(c) for c in compartments_of(user, case).order_by("number")]}


@router.get(
    "/{case_id}/compartments/{number}",
    response={200: CompartmentOut, **errors(404)},
    summary="One covert compartment: its covert actions, acts, deadlines and requests",
)
def compartment_detail(request: HttpRequest, case_id: int, number: int) -> dict[str, Any]:
    compartment = access_compartment(
        current(request), case_id=case_id, number=number, surface=Surface.API
    )
    acts = Act.objects.filter(compartment=compartment).defer("canonical", "signatures")
    members = compartment.members.select_related("official").order_by("since", "id")
    return {
        **_row(compartment),
        "members": [
            {"official_id": m.official_id, "name": m.official.get_full_name(), "role": m.role}
            for m in members
        ],
        "deadlines": [deadline_out(d) for d in compartment.deadlines.order_by("due_at")],
        "awaiting": [
            {name: getattr(a, name) for name in AwaitingOut.model_fields}
            for a in awaiting(part_load(compartment))
        ],
        "acts": [_act(a) for a in acts.order_by("seq")],
    }


@router.post(
    "/{case_id}/compartments/{number}/acts",
    response={201: ActOut, **errors(403, 404, 409)},
    summary="Append an act to a covert compartment (an extension, the end, the report, the "
    "notice to the person, a decision on its request)",
)
def compartment_act_append(
    request: HttpRequest, case_id: int, number: int, body: ActIn
) -> Status[dict[str, Any]]:
    user = current(request)
    compartment = access_compartment(
        user, case_id=case_id, number=number, surface=Surface.API, action="append_act"
    )
    act = act_append(
        case=compartment.case,
        compartment=compartment,
        kind=body.kind,
        payload=body.payload,
        actor=user,
        performed_at=body.performed_at,
    )
    return Status(201, _act(act))
