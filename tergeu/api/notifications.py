"""Notifications: my inbox, participants' contacts, and notices of a detention to the family."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.params.functions import Query
from pydantic import Field

from tergeu.access.gate import access_case
from tergeu.access.models import Surface
from tergeu.api.schemas import CODE_MAX, ID_MAX, OFFSET_MAX, Page, current, errors
from tergeu.notifications.contacts import (
    contact_keeper_require,
    contact_set,
    participant_person,
)
from tergeu.notifications.copies import family_notice_send
from tergeu.notifications.models import Notification
from tergeu.notifications.selectors import inbox
from tergeu.notifications.services import notifications_mark_read

router = Router(tags=["notifications"])
me_router = Router(tags=["me"])


class InboxItem(Schema):
    id: int
    kind: str
    text: str  # in the language of the request
    case_id: int | None
    register_number: str | None
    created_at: datetime
    read_at: datetime | None


class Inbox(Page):
    items: list[InboxItem]


def _item(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "text": n.text,
        "case_id": n.case_id,
        "register_number": n.case.register_number if n.case else None,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@me_router.get("/me/notifications", response={200: Inbox, **errors()}, summary="My inbox")
def my_notifications(
    request: HttpRequest,
    unread: bool = False,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> dict[str, Any]:
    mine = inbox(current(request), unread_only=unread)
    items = [_item(n) for n in mine[offset : offset + limit]]
    return {"count": mine.count(), "limit": limit, "offset": offset, "items": items}


class MarkReadIn(Schema):
    ids: list[Annotated[int, Field(ge=1, le=ID_MAX)]] | None = Field(
        None, description="these notifications; omit for all"
    )


class MarkedOut(Schema):
    marked: int


@me_router.post(
    "/me/notifications/read",
    response={200: MarkedOut, **errors()},
    summary="Mark my notifications read",
)
def my_notifications_read(request: HttpRequest, body: MarkReadIn) -> dict[str, Any]:
    return {"marked": notifications_mark_read(actor=current(request), ids=body.ids)}


class ContactIn(Schema):
    party: str = Field(max_length=CODE_MAX, examples=["iin:900101300017"])
    phone: str = Field("", max_length=CODE_MAX, examples=["+77011234567"])
    email: str = Field("", max_length=254, examples=["victim@example.kz"])
    language: str = Field(
        "", max_length=8, examples=["kk"], description="kk, ru or en; empty: the default"
    )


class ContactOut(Schema):
    party: str
    phone: str
    email: str
    language: str


@router.post(
    "/{case_id}/contacts",
    response={200: ContactOut, **errors(403, 404)},
    summary="Set where a participant receives copies and codes (neither phone nor e-mail: forget)",
)
def case_contact_set(request: HttpRequest, case_id: int, body: ContactIn) -> dict[str, Any]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="set_contact")
    contact_keeper_require(user, case)
    person = participant_person(case, body.party)
    contact = contact_set(
        actor=user,
        case=case,
        person=person,
        phone=body.phone,
        email=body.email,
        language=body.language,
    )
    if contact is None:
        return {"party": body.party, "phone": "", "email": "", "language": ""}
    return {
        "party": body.party,
        "phone": contact.phone,
        "email": contact.email,
        "language": contact.language,
    }


class FamilyNoticeIn(Schema):
    party: str = Field(
        max_length=CODE_MAX, examples=["iin:900101300017"], description="the detained person"
    )
    phone: str = Field("", max_length=CODE_MAX)
    email: str = Field("", max_length=254)
    language: str = Field("", max_length=8)


class OutboxOut(Schema):
    id: int
    channel: str
    address: str
    state: str
    created_at: datetime


class FamilyNoticesOut(Schema):
    items: list[OutboxOut]


@router.post(
    "/{case_id}/family-notices",
    response={201: FamilyNoticesOut, **errors(403, 404)},
    summary="Tell the family of a detained person of the detention (art. 135)",
)
def case_family_notice(
    request: HttpRequest, case_id: int, body: FamilyNoticeIn
) -> Status[dict[str, Any]]:
    user = current(request)
    case = access_case(user, case_id=case_id, surface=Surface.API, action="family_notice")
    rows = family_notice_send(
        actor=user,
        case=case,
        party=body.party,
        phone=body.phone,
        email=body.email,
        language=body.language,
    )
    items = [
        {
            "id": n.pk,
            "channel": n.channel,
            "address": n.address,
            "state": n.state,
            "created_at": n.created_at,
        }
        for n in rows
    ]
    return Status(201, {"items": items})
