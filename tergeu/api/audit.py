"""The access audit: who read a case (its procedural prosecutor and auditors), and break-glass
access to a case outside one's team."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from tergeu.access.breakglass import REASON_MAX, break_glass_open
from tergeu.access.models import AccessLog, BreakGlass, Surface
from tergeu.access.readers import action_label, case_readers
from tergeu.api.schemas import current, errors

router = Router(tags=["audit"])


class ReadOut(Schema):
    official_id: int
    official: str
    action: str
    action_text: str  # in the language of the request
    surface: str
    at: datetime
    address: str
    break_glass: bool
    detail: dict[str, Any]


class GrantOut(Schema):
    official_id: int
    official: str
    reason: str
    granted_at: datetime
    until: datetime


class ReadersOut(Schema):
    case_id: int
    register_number: str
    count: int
    reads: list[ReadOut]  # the latest 500, newest first
    break_glass: list[GrantOut]


def _name(official: Any) -> str:
    return str(official.get_full_name() or official.username)


def _read(entry: AccessLog) -> dict[str, Any]:
    return {
        "official_id": entry.official_id,
        "official": _name(entry.official),
        "action": entry.action,
        "action_text": action_label(entry.action),
        "surface": entry.surface,
        "at": entry.at,
        "address": entry.address,
        "break_glass": entry.break_glass,
        "detail": entry.detail,
    }


def _grant(grant: BreakGlass) -> dict[str, Any]:
    return {
        "official_id": grant.official_id,
        "official": _name(grant.official),
        "reason": grant.reason,
        "granted_at": grant.granted_at,
        "until": grant.until,
    }


@router.get(
    "/cases/{case_id}/readers",
    response={200: ReadersOut, **errors(403, 404)},
    summary="Who read the case: for its procedural prosecutor and auditors",
)
def readers(request: HttpRequest, case_id: int) -> dict[str, Any]:
    found = case_readers(current(request), case_id=case_id, surface=Surface.API)
    return {
        "case_id": found.case.pk,
        "register_number": found.case.register_number,
        "count": found.total,
        "reads": [_read(e) for e in found.entries],
        "break_glass": [_grant(g) for g in found.grants],
    }


class BreakGlassIn(Schema):
    register_number: str = Field(max_length=32, examples=["267575110000008"])
    reason: str = Field(max_length=REASON_MAX * 2, description="why the case must be read now")


class BreakGlassOut(Schema):
    case_id: int
    until: datetime


@router.post(
    "/break-glass",
    response={201: BreakGlassOut, **errors(403, 404, 409)},
    summary="Open a case outside my team urgently, on a written reason (read only, audited)",
)
def break_glass(request: HttpRequest, body: BreakGlassIn) -> Status[dict[str, Any]]:
    grant = break_glass_open(
        official=current(request),
        register_number=body.register_number,
        reason=body.reason,
        surface=Surface.API,
    )
    return Status(201, {"case_id": grant.case_id, "until": grant.until})
