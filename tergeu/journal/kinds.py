"""The act kinds known to the journal: each has one payload schema and a guard for facts that
need the database (a person in the register, an official of the unit). Who may perform an act,
at which stage, with which approvals and clocks, is the procedure pack's business
(tergeu/procedure/packs/kz, judged by the engine in `act_append`). Kinds whose payload needs
more than the pack's field types (a qualification, a registration) have a schema written here;
the others get one generated from the pack's declaration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
)

from tergeu.accounts.models import (
    CONDUCTING_ROLES,
    EXECUTING_AGENCIES,
    Agency,
    AgencyKind,
    Appointment,
    Role,
)
from tergeu.cases import law
from tergeu.cases.models import Case
from tergeu.errors import Conflict, InvalidInput
from tergeu.persons.iin import parse_iin, validate_bin
from tergeu.persons.models import LegalEntity, Person
from tergeu.procedure.pack import choices

# Patterns say [0-9], not \d: \d also matches other scripts' digits (Arabic-Indic, Devanagari, ...).
TEXT_MAX = 4000  # the longest free text of an act, a report or a decision
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_MAX)]
ArticleNo = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,3}(-[0-9]{1,2})?$")]
SmallNo = Annotated[str, StringConstraints(pattern=r"^([0-9]{1,2})?$")]
Party = Annotated[str, StringConstraints(pattern=r"^(iin|bin):[0-9]{12}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
# A row id: what the database's 64-bit keys can hold (a larger number would crash the query).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]

# A moment from outside (an act's, an event's, the end of a term): at an offset a time zone can
# have (real zones lie within ±14:00 of UTC; PostgreSQL cannot store ±16:00), and a year or more
# from the ends of Python's datetime (years 1 and 9999), where moving it to another offset or
# adding a term to it overflows. Later checks say whether it makes sense for the act.
MOMENT_OFFSET_MAX = timedelta(hours=14)
MOMENT_EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
MOMENT_LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def _moment_check(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MOMENT_OFFSET_MAX:
        raise ValueError("the UTC offset must lie within ±14:00")
    if not MOMENT_EARLIEST <= value < MOMENT_LATEST:
        raise ValueError("the moment must lie in the years 2 to 9998")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_moment_check)]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Qualification(Payload):
    """Criminal Code article, part and paragraph, and the offence category (CC arts 10–11)."""

    article: ArticleNo
    part: SmallNo = ""
    paragraph: SmallNo = ""
    offence_category: Literal["misdemeanour", "small", "medium", "grave", "especially_grave"]


class Registration(Payload):
    register_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{6,32}$")]
    report_id: Id | None = None
    summary: Text
    qualification: Qualification
    investigation_unit_id: Id
    supervising_office_id: Id


class Acceptance(Payload):
    investigator_id: Id
    form: Literal["protocol", "inquiry", "preliminary"]


class Participation(Payload):
    party: Party
    role: Literal[
        "applicant",
        "victim",
        "suspect",
        "witness",
        "witness_with_defence",
        "defender",
        "legal_representative",
        "civil_plaintiff",
        "civil_defendant",
        "interpreter",
        "expert",
    ]


class JurisdictionTransfer(Payload):
    to_unit_id: Id
    supervising_office_id: Id
    reason: Text


class ProceduralProsecutor(Payload):
    prosecutor_id: Id


class Note(Payload):
    text: Text


class AttachmentAdded(Payload):
    sha256: Sha256
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    size: Annotated[int, Field(ge=1)]
    mime: Annotated[str, StringConstraints(min_length=1, max_length=100)]


Guard = Callable[[Case | None, Any], None]


def _no_guard(case: Case | None, payload: Any) -> None:
    return None


@dataclass(frozen=True)
class ActKind:
    code: str
    label: str | Promise
    article: str
    schema: type[Payload]
    guard: Guard = _no_guard
    opens_case: bool = False


def _require_conducting_official(official_id: int, unit_id: int) -> None:
    if not Appointment.objects.filter(
        official_id=official_id, agency_id=unit_id, role__in=CONDUCTING_ROLES
    ).exists():
        raise InvalidInput(
            _("The official is not an investigator or inquiry officer of the investigation unit."),
            code="not_in_unit",
            details={"official_id": official_id, "unit_id": unit_id},
        )


def _guard_acceptance(case: Case | None, payload: Acceptance) -> None:
    assert case is not None
    _require_conducting_official(payload.investigator_id, case.investigation_unit_id)


def _guard_participation(case: Case | None, payload: Participation) -> None:
    assert case is not None
    scheme, number = payload.party.split(":")
    if scheme == "iin":
        parse_iin(number)
    else:
        validate_bin(number)
    register = Person.objects if scheme == "iin" else LegalEntity.objects
    if not register.filter(**{scheme: number}).exists():
        raise InvalidInput(
            _("The participant is not in the person register; enter them first."),
            code="party_unknown",
            details={"party": payload.party},
        )
    if case.participants.filter(party=payload.party, role=payload.role).exists():
        raise Conflict(
            _("This person already takes part in the case in this role."),
            code="participant_exists",
            details={"party": payload.party, "role": payload.role},
        )


def _guard_transfer(case: Case | None, payload: JurisdictionTransfer) -> None:
    assert case is not None
    unit = Agency.objects.filter(pk=payload.to_unit_id).first()
    if unit is None or unit.kind not in {
        AgencyKind.POLICE,
        AgencyKind.ANTI_CORRUPTION,
        AgencyKind.ECONOMIC_INVESTIGATIONS,
        AgencyKind.NATIONAL_SECURITY,
    }:
        raise InvalidInput(
            _("A case can be transferred only to an investigating body."),
            code="invalid_unit",
            details={"to_unit_id": payload.to_unit_id},
        )
    if unit.pk == case.investigation_unit_id:
        raise InvalidInput(
            _("The case is already with this unit."),
            code="same_unit",
            details={"to_unit_id": payload.to_unit_id},
        )
    _require_prosecutor_office(payload.supervising_office_id)


def _require_prosecutor_office(office_id: int) -> None:
    office = Agency.objects.filter(pk=office_id).first()
    if office is None or not office.is_prosecutor_office:
        raise InvalidInput(
            _("The supervising office must be a prosecutor's office."),
            code="invalid_office",
            details={"supervising_office_id": office_id},
        )


def _guard_registration(case: Case | None, payload: Registration) -> None:
    # The case being opened already holds the agencies (loaded by the registering service):
    # the payload must name the same ones, and the supervisor must be a prosecutor's office.
    assert case is not None
    if (
        case.register_number != payload.register_number
        or case.investigation_unit_id != payload.investigation_unit_id
        or case.supervising_office_id != payload.supervising_office_id
    ):
        raise InvalidInput(
            _("The registration does not match the case it opens."), code="registration_mismatch"
        )
    if not case.supervising_office.is_prosecutor_office:
        raise InvalidInput(
            _("The supervising office must be a prosecutor's office."),
            code="invalid_office",
            details={"supervising_office_id": payload.supervising_office_id},
        )


def _guard_prosecutor(case: Case | None, payload: ProceduralProsecutor) -> None:
    assert case is not None
    chain = [int(pk) for pk in case.supervising_office.path.strip("/").split("/")]
    if not Appointment.objects.filter(
        official_id=payload.prosecutor_id, agency_id__in=chain, role=Role.PROSECUTOR
    ).exists():
        raise InvalidInput(
            _("The procedural prosecutor must be a prosecutor of the supervising office."),
            code="not_a_supervising_prosecutor",
            details={"prosecutor_id": payload.prosecutor_id},
        )


def _guard_parties(case: Case | None, payload: Any) -> None:
    """Every party a generated payload names is in the person register."""
    for name, value in payload.model_dump().items():
        if isinstance(value, str) and value[:4] in ("iin:", "bin:"):
            scheme, number = value.split(":")
            register = Person.objects if scheme == "iin" else LegalEntity.objects
            if not register.filter(**{scheme: number}).exists():
                raise InvalidInput(
                    _("The person is not in the person register; enter them first."),
                    code="party_unknown",
                    details={name: value},
                )


def _guard_institution(case: Case | None, payload: Any) -> None:
    """An execution order goes to an institution that executes sentences, and to the one whose
    officials execute this punishment (the pack's `[executors]`: a colony for imprisonment, the
    probation service for restriction of liberty, the bailiff for a fine)."""
    _guard_parties(case, payload)
    institution_id = payload.institution_id
    kind = Agency.objects.filter(pk=institution_id).values_list("kind", flat=True).first()
    if kind not in EXECUTING_AGENCIES.values():
        raise InvalidInput(
            _(
                "The sentence is executed by a penitentiary institution, a probation service "
                "or a bailiff."
            ),
            code="invalid_institution",
            details={"institution_id": institution_id},
        )
    executor = law.pack().executors.get(payload.punishment)
    expected = EXECUTING_AGENCIES.get(executor) if executor else None
    if expected is not None and kind != expected:
        raise InvalidInput(
            _("This institution does not execute this punishment."),
            code="institution_mismatch",
            details={
                "institution_id": institution_id,
                "punishment": payload.punishment,
                "expected_kind": str(expected),
            },
        )


# Guards of kinds whose schema the pack declares (the default checks the parties named).
GENERATED_GUARDS: dict[str, Guard] = {"execution_order": _guard_institution}

HAND_WRITTEN: dict[str, tuple[type[Payload], Guard]] = {
    "registration": (Registration, _guard_registration),
    "acceptance": (Acceptance, _guard_acceptance),
    "qualification": (Qualification, _no_guard),
    "participant_admission": (Participation, _guard_participation),
    "jurisdiction_transfer": (JurisdictionTransfer, _guard_transfer),
    "procedural_prosecutor_assignment": (ProceduralProsecutor, _guard_prosecutor),
    "note": (Note, _no_guard),
    "attachment": (AttachmentAdded, _no_guard),
}

Category = Literal["misdemeanour", "small", "medium", "grave", "especially_grave"]
FIELD_TYPES: dict[str, Any] = {
    "text": Text,
    "party": Party,
    "datetime": Annotated[Moment, Field(strict=False)],
    "date": Annotated[date, Field(strict=False)],
    "int": Annotated[int, Field(ge=0, le=2**31)],
    "bool": bool,
    "seq": Id,
    "category": Category,
    "article": Qualification,
}


def _generated_schema(kind: str, fields: Mapping[str, tuple[str, bool]]) -> type[Payload]:
    definitions: dict[str, Any] = {}
    for field_name, (type_, required) in fields.items():
        values = choices(type_)
        annotation = Literal[values] if values else FIELD_TYPES[type_]
        definitions[field_name] = (annotation, ...) if required else (annotation | None, None)
    name = "".join(part.capitalize() for part in kind.split("_"))
    return create_model(name, __base__=Payload, **definitions)


def _kinds() -> dict[str, ActKind]:
    kinds: dict[str, ActKind] = {}
    for code, versions in law.pack().acts.items():
        latest = versions[-1]
        if code in HAND_WRITTEN:
            schema, guard = HAND_WRITTEN[code]
        else:
            schema = _generated_schema(code, latest.payload)
            guard = GENERATED_GUARDS.get(code, _guard_parties)
        kinds[code] = ActKind(
            code,
            gettext_lazy(latest.label),  # msgids: tergeu/cases/pack_messages.py
            latest.article,
            schema,
            guard,
            opens_case=versions[0].stages is None,
        )
    return kinds


KINDS: dict[str, ActKind] = _kinds()


def kind_get(code: str) -> ActKind:
    kind = KINDS.get(code)
    if kind is None:
        raise InvalidInput(
            _("Unknown act kind: %(kind)s.") % {"kind": code},
            code="unknown_act_kind",
            details={"kind": code, "known": sorted(KINDS)},
        )
    return kind


def payload_validate(kind: ActKind, raw: Any) -> Payload:
    """Validate a payload against its kind's schema; raise InvalidInput listing every problem."""
    try:
        return kind.schema.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(
            _("The payload does not fit the schema of %(kind)s.") % {"kind": kind.code},
            code="invalid_payload",
            details={
                "errors": [
                    {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
                    for e in exc.errors(
                        include_url=False, include_context=False, include_input=False
                    )
                ]
            },
        ) from exc


def payload_dump(kind: ActKind, model: Payload) -> dict[str, Any]:
    """The payload as the journal stores it: JSON types; a generated schema's optional fields
    that were left out stay out (hand-written schemas keep their documented defaults)."""
    dumped: dict[str, Any] = model.model_dump(
        mode="json", exclude_none=kind.code not in HAND_WRITTEN
    )
    return dumped
