"""Input and output schemas shared by the API's routers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from tergeu.accounts.models import Official
from tergeu.journal.kinds import TEXT_MAX as TEXT_MAX


def current(request: HttpRequest) -> Official:
    """The authenticated official (the API's auth has already refused everyone else)."""
    user = request.user
    assert isinstance(user, Official)
    return user


# The largest id and page offset a request may name: ids are 64-bit in the database, and an
# offset beyond a few billion rows is a mistake; anything larger is refused as invalid input
# rather than failing in the database.
ID_MAX = 2**63 - 1
OFFSET_MAX = 2**31 - 1

# The longest text a request may carry in a field: a name as the person register keeps it, a
# place or addressee as its column, a free text as an act's text (TEXT_MAX).
# A code (IIN, BIN, register number) may be longer than its format so that the service, not
# the schema, says what is wrong with it; anything longer is refused as not fitting the schema.
NAME_MAX = 100
PLACE_MAX = 300
CODE_MAX = 32


class ErrorBody(Schema):
    code: str = Field(examples=["not_found"])
    message: str
    details: dict[str, Any]


class Error(Schema):
    """Every error response."""

    error: ErrorBody


def errors(*statuses: int) -> dict[int, type[Error]]:
    """The error responses of an endpoint: every endpoint may answer 400 (a body or query that
    cannot be parsed), 401, 413 (a body over the size limit), 415 (a body that is not JSON
    where JSON is read) and 422, plus the statuses named."""
    return {s: Error for s in (400, 401, 413, 415, 422, *statuses)}


def file_answer(media_type: str) -> dict[str, Any]:
    """The `openapi_extra` of an endpoint that answers 200 with a file: `response={200: None}`
    alone declares no body, so the schema would not say what a client receives. `media_type`
    may be a range (`*/*`) for files of several types."""
    return {
        "responses": {
            200: {
                "description": "OK",
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
                "headers": {
                    "Content-Disposition": {
                        "description": "the file's name",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                },
            }
        }
    }


class PersonIn(Schema):
    """A natural person by IIN; names are needed only when the person is new to the register."""

    iin: str = Field(max_length=CODE_MAX, examples=["900101300012"])
    last_name: str = Field("", max_length=NAME_MAX)
    first_name: str = Field("", max_length=NAME_MAX)
    patronymic: str = Field("", max_length=NAME_MAX)
    birth_date: date | None = None
    citizenship: str = Field("KAZ", min_length=3, max_length=3)


class EntityIn(Schema):
    bin: str = Field(max_length=CODE_MAX)
    name: str = Field("", max_length=PLACE_MAX)


class QualificationIn(Schema):
    article: str = Field(max_length=16, examples=["188"])
    part: str = Field("", max_length=8)
    paragraph: str = Field("", max_length=8)
    offence_category: str = Field(max_length=CODE_MAX, examples=["medium"])


class AgencyOut(Schema):
    id: int
    name: str
    kind: str
    authority_code: str


class OfficialOut(Schema):
    id: int
    username: str
    full_name: str


def official_out(official: Any) -> dict[str, Any] | None:
    if official is None:
        return None
    return {"id": official.pk, "username": official.username, "full_name": official.get_full_name()}


class Page(Schema):
    count: int
    limit: int
    offset: int


class Deadline(Schema):
    """A statutory clock. `explanation`: one sentence with the end, how it is counted, the
    article and the version of the law in force."""

    rule: str
    key: str
    article: str
    duty: str
    subject: str
    started_at: datetime
    due_at: datetime
    state: str
    overdue: bool
    responsible_role: str
    explanation: str


def deadline_out(deadline: Any) -> dict[str, Any]:
    from tergeu.cases.law import deadline_explain

    return {
        "rule": deadline.rule,
        "key": deadline.key,
        "article": deadline.article,
        "duty": _(deadline.duty),
        "subject": deadline.subject,
        "started_at": deadline.started_at,
        "due_at": deadline.due_at,
        "state": deadline.state,
        "overdue": deadline.overdue,
        "responsible_role": deadline.responsible_role,
        "explanation": deadline_explain(deadline),
    }


class AwaitingOut(Schema):
    """A request awaiting a decision: `role` decides (`decision`: agreement, approval or
    sanction) by `due_at`; decide it with an act of kind `decision` naming `request`."""

    request: int
    kind: str
    role: str
    decision: str
    article: str
    due_at: datetime | None
