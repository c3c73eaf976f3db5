"""The prosecutor's supervision list: GET /api/v1/supervision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.params.functions import Query

from tergeu import clock
from tergeu.access.gate import access_log
from tergeu.access.models import Surface
from tergeu.api.schemas import CODE_MAX, OFFSET_MAX, Deadline, Page, current, deadline_out, errors
from tergeu.cases.supervision import (
    Deprived,
    prosecutor_paths,
    supervised_cases,
    supervision_rows,
)
from tergeu.errors import Forbidden

router = Router(tags=["supervision"])


class DeprivedOut(Schema):
    """A person detained or in custody. `ends_at`: the latest moment of release by the running
    clocks (detention: 48 h, 24 h for a minor, 72 h in the listed cases; custody: its term);
    `hours_left` until then, negative once it has passed."""

    party: str
    name: str
    minor: bool
    since: datetime | None
    until: datetime | None
    ends_at: datetime | None
    hours_left: float | None


class CovertActionOut(Schema):
    seq: int
    item: int
    status: str
    until: datetime | None


class CovertNamedOut(Schema):
    """A covert compartment of the case that names me (shown to no one else): its number, its
    covert actions and its open deadlines."""

    compartment: int
    actions: list[CovertActionOut]
    deadlines: list[Deadline]


class SupervisedOut(Schema):
    """A supervised case and its risks: `overdue`, open deadlines past their end; `due_soon`,
    deadlines in their warning period; `detained` and `custody`, the persons deprived of liberty;
    `next_due_at`, the nearest end of an open deadline."""

    id: int
    register_number: str
    stage: str
    summary: str
    qualification_article: str
    offence_category: str
    investigation_unit_id: int
    investigation_unit: str
    supervising_office_id: int
    procedural_prosecutor_id: int | None
    next_due_at: datetime | None
    overdue: list[Deadline]
    due_soon: list[Deadline]
    detained: list[DeprivedOut]
    custody: list[DeprivedOut]
    covert: list[CovertNamedOut]


class SupervisionList(Page):
    items: list[SupervisedOut]


def _deprived(person: Deprived, now: datetime) -> dict[str, Any]:
    left = None if person.ends_at is None else (person.ends_at - now).total_seconds() / 3600
    return {
        "party": person.party,
        "name": person.name,
        "minor": person.minor,
        "since": person.since,
        "until": person.until,
        "ends_at": person.ends_at,
        "hours_left": None if left is None else round(left, 1),
    }


@router.get(
    "/supervision",
    response={200: SupervisionList, **errors(403)},
    summary="The cases my prosecutor's offices supervise, with their deadlines and risks",
)
def supervision_list(
    request: HttpRequest,
    overdue: bool = False,
    detained: bool = False,
    covert: bool = False,
    stage: str = Query("", max_length=CODE_MAX),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> dict[str, Any]:
    """Every case of the offices I am a prosecutor of, and of the offices below them, the one
    with the nearest deadline first. Filters: `overdue` (a deadline past its end), `detained`
    (a detention or custody running), `covert` (a covert compartment names me), `stage`.
    `covert` lists the covert actions of the compartments that name me — nobody else's. For
    prosecutors only (403 for anyone else)."""
    user = current(request)
    paths = prosecutor_paths(user)
    if not paths:
        raise Forbidden(_("The supervision list is kept for prosecutors."), code="role_not_allowed")
    now = clock.now()
    cases = supervised_cases(
        user, paths, now=now, overdue=overdue, detained=detained, covert=covert, stage=stage
    )
    page = list(cases[offset : offset + limit])
    detail = {
        "overdue": overdue,
        "detained": detained,
        "covert": covert,
        "stage": stage,
        "case_ids": [c.pk for c in page],
    }
    access_log(user, surface=Surface.API, action="list_supervision", detail=detail)
    items = []
    for row in supervision_rows(page, now=now, user=user):
        case = row.case
        items.append(
            {
                "id": case.pk,
                "register_number": case.register_number,
                "stage": case.stage,
                "summary": case.summary,
                "qualification_article": case.qualification_article,
                "offence_category": case.offence_category,
                "investigation_unit_id": case.investigation_unit_id,
                "investigation_unit": case.investigation_unit.name,
                "supervising_office_id": case.supervising_office_id,
                "procedural_prosecutor_id": case.procedural_prosecutor_id,
                "next_due_at": case.next_due_at,
                "overdue": [deadline_out(d) for d in row.overdue],
                "due_soon": [deadline_out(d) for d in row.due_soon],
                "detained": [_deprived(p, now) for p in row.detained],
                "custody": [_deprived(p, now) for p in row.custody],
                "covert": [
                    {
                        "compartment": named.number,
                        "actions": [
                            {"seq": a.seq, "item": a.item, "status": a.status, "until": a.until}
                            for a in named.actions
                        ],
                        "deadlines": [deadline_out(d) for d in named.deadlines],
                    }
                    for named in row.covert
                ],
            }
        )
    return {"count": cases.count(), "limit": limit, "offset": offset, "items": items}
