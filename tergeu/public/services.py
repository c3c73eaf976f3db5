"""The citizens' status page: asking for a one-time code, checking it, and the little a person
then sees of their case — its register number, its stage and the copies of decisions sent to
them. The same answer whether or not a case or a person exists: the page must not tell a
stranger who takes part in which case."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tergeu import clock
from tergeu.access.gate import participant_case
from tergeu.cases.models import Case
from tergeu.errors import InvalidInput, NotFound, TooManyRequests
from tergeu.notifications.models import (
    Channel,
    Contact,
    DeliveryState,
    Notification,
    NotificationKind,
)
from tergeu.notifications.outbox import participant_notify
from tergeu.persons.iin import parse_iin
from tergeu.persons.models import Person
from tergeu.public.models import CodeRequest, OneTimeCode, StatusView
from tergeu.registry.numbers import register_number_parse

# Wrong tries a code survives: five guesses at a million codes.
CODE_TRIES = 5
CODE = re.compile(r"^[0-9]{6}$")
CODE_MESSAGE = gettext_noop(
    "Your code for the tergeu status page: %(code)s. It is valid for %(minutes)s minutes. "
    "Do not tell it to anyone."
)


def _keyed(purpose: str, value: str) -> str:
    """A hash keyed with the SECRET_KEY: equal values match, and the value cannot be guessed
    back from the table without the key."""
    return salted_hmac(f"tergeu.public.{purpose}", value, algorithm="sha256").hexdigest()


def _window() -> timedelta:
    return timedelta(minutes=settings.TERGEU_STATUS_LIMIT_WINDOW_MINUTES)


def status_code_request(*, register_number: str, iin: str, client: str) -> int | None:
    """Send a one-time code to the participant with this IIN in the case with this register
    number — a victim, an applicant or a suspect who gave a contact — and return the code's id;
    None when there is no such participant (the caller answers the same either way). Refused,
    with nothing written, for malformed input or when this IIN or this client has asked too
    often within the window."""
    register_number, iin = register_number_parse(register_number), iin.strip()
    parse_iin(iin)
    now = clock.now()
    iin_hash, client_hash = _keyed("iin", iin), _keyed("client", client)
    with transaction.atomic():
        _rate_limit(iin_hash, client_hash, now)
        CodeRequest.objects.create(iin_hash=iin_hash, client_hash=client_hash, at=now)
        person = Person.objects.filter(iin=iin).first()
        case = participant_case(person=person, register_number=register_number) if person else None
        contact = Contact.objects.filter(person=person).first() if case else None
        if person is None or case is None or contact is None:
            return None
        return _code_send(case, person, now)


def _rate_limit(iin_hash: str, client_hash: str, now: datetime) -> None:
    since = now - _window()
    recent = CodeRequest.objects.filter(at__gt=since)
    for rows, limit in (
        (recent.filter(iin_hash=iin_hash), settings.TERGEU_STATUS_LIMIT_PER_IIN),
        (recent.filter(client_hash=client_hash), settings.TERGEU_STATUS_LIMIT_PER_IP),
    ):
        times = sorted(rows.values_list("at", flat=True))
        if len(times) >= limit:
            # Free again when enough of the requests in the window have left it.
            free_at = times[len(times) - limit] + _window()
            raise TooManyRequests(
                _("Too many requests for a code. Try again after %(time)s.")
                % {"time": f"{free_at.astimezone(clock.legal_zone()):%H:%M}"},
                details={"retry_after": free_at.isoformat()},
            )


def _code_hash(salt: str, code: str) -> str:
    return _keyed("code", f"{salt}:{code}")


def _code_send(case: Case, person: Person, now: datetime) -> int:
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(16)
    minutes = settings.TERGEU_STATUS_CODE_MINUTES
    otp = OneTimeCode.objects.create(
        case=case,
        person=person,
        salt=salt,
        code_hash=_code_hash(salt, code),
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    participant_notify(
        person=person,
        kind=NotificationKind.ONE_TIME_CODE,
        message=CODE_MESSAGE,
        params={"code": code, "minutes": minutes},
        case=case,
        prefer=Channel.SMS,
        due_at=otp.expires_at,
    )
    return otp.pk


@dataclass(frozen=True)
class StatusAccess:
    """What a correct code opens: one person's view of one case, until `until`."""

    case_id: int
    person_id: int
    until: datetime


def status_code_check(*, code_id: int | None, code: str) -> StatusAccess:
    """Check `code` against the code `code_id` (None: no code was sent, and no code is right).
    A code is good once, before it expires, and for `CODE_TRIES` wrong tries; every refusal
    has the same message."""
    code = code.strip()
    if not CODE.match(code):
        raise InvalidInput(_("The code is six digits."), code="invalid_code")
    now = clock.now()
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update().filter(pk=code_id).first()
            if code_id is not None
            else None
        )
        refusal = _refusal(otp, code, now)
        if otp is not None:
            if refusal == "wrong_code":
                otp.wrong_tries += 1
                otp.save(update_fields=["wrong_tries"])
            elif refusal is None:
                otp.used_at = now
                otp.save(update_fields=["used_at"])
    if otp is None or refusal is not None:
        raise InvalidInput(
            _("The code is wrong or no longer valid. Ask for a new code if it has expired."),
            code=refusal or "wrong_code",
        )
    minutes = settings.TERGEU_STATUS_SESSION_MINUTES
    return StatusAccess(otp.case_id, otp.person_id, now + timedelta(minutes=minutes))


def _refusal(otp: OneTimeCode | None, code: str, now: datetime) -> str | None:
    if otp is None:
        return "wrong_code"
    if otp.used_at is not None:
        return "code_used"
    if now >= otp.expires_at:
        return "code_expired"
    if otp.wrong_tries >= CODE_TRIES:
        return "too_many_tries"
    if not constant_time_compare(_code_hash(otp.salt, code), otp.code_hash):
        return "wrong_code"
    return None


@dataclass(frozen=True)
class Copy:
    """A copy of a decision sent to the person: its title (in the active language), the day it
    was made, the article that sends it, and when it was sent."""

    decision: str
    date: str
    article: str
    sent_at: datetime


@dataclass(frozen=True)
class StatusPage:
    register_number: str
    stage: str
    copies: list[Copy]


def status_page(*, access: StatusAccess, client: str) -> StatusPage:
    """The case as its participant sees it; logged. NotFound when the access no longer holds
    (expired, or the person no longer takes part in the case)."""
    now = clock.now()
    person = Person.objects.filter(pk=access.person_id).first()
    case = participant_case(person=person, case_id=access.case_id) if person else None
    if now >= access.until or person is None or case is None:
        raise NotFound(_("Your access to the status page has ended."), code="status_expired")
    StatusView.objects.create(
        case=case, person=person, at=now, client_hash=_keyed("client", client)
    )
    rows = Notification.objects.filter(
        case=case, person=person, kind=NotificationKind.COPY
    ).order_by("created_at", "pk")
    # Copies are only ever made of the case's own acts; covert material is never shown here,
    # whatever a row might say.
    rows_shown = [r for r in rows if not str(r.params.get("act_kind", "")).startswith("covert_")]
    Notification.objects.filter(
        pk__in=[r.pk for r in rows_shown],
        state__in=[DeliveryState.SENT, DeliveryState.DELIVERED],
    ).update(state=DeliveryState.READ, read_at=now)
    return StatusPage(
        register_number=case.register_number,
        stage=case.get_stage_display(),
        copies=[
            Copy(
                decision=_(str(r.params.get("decision", ""))),
                date=str(r.params.get("date", "")),
                article=str(r.params.get("article", "")),
                sent_at=r.created_at,
            )
            for r in rows_shown
        ],
    )
