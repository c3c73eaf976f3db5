"""Crime report intake (КУИ) and registration in the unified register (ЕРДР)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.accounts.models import INVESTIGATING_KINDS, Agency, Official, Role
from tergeu.cases.deadlines import (
    FORWARD_ADMINISTRATIVE,
    FORWARD_AUDIT,
    DeadlineRule,
)
from tergeu.cases.models import Case, Deadline, DeadlineState
from tergeu.errors import Conflict, Forbidden, InvalidInput
from tergeu.journal.kinds import kind_get, payload_validate
from tergeu.journal.services import act_append
from tergeu.persons.models import LegalEntity, Person
from tergeu.persons.services import legal_entity_get_or_create, person_get_or_create
from tergeu.registry.models import (
    CrimeReport,
    RefusalGround,
    RegisterSequence,
    ReportDecision,
    ReportSource,
    ReportStatus,
)

INTAKE_ROLES = frozenset(
    {
        Role.REGISTRAR,
        Role.INVESTIGATOR,
        Role.INQUIRY_OFFICER,
        Role.INVESTIGATION_HEAD,
        Role.INQUIRY_HEAD,
    }
)
# Statements must name their author: an anonymous report is not a reason to start (181(6)).
SIGNED_SOURCES = frozenset(
    {ReportSource.WRITTEN_STATEMENT, ReportSource.ORAL_STATEMENT, ReportSource.ELECTRONIC_STATEMENT}
)


def intake_agencies(official: Official) -> QuerySet[Agency]:
    """The investigating bodies in whose КУИ this official may enter and decide reports."""
    return Agency.objects.filter(
        kind__in=INVESTIGATING_KINDS,
        appointments__official=official,
        appointments__role__in=INTAKE_ROLES,
    ).distinct()


def _require_intake_role(official: Official, agency: Agency) -> None:
    if not intake_agencies(official).filter(pk=agency.pk).exists():
        raise Forbidden(
            _("Only officials of the receiving body may enter its reports."),
            code="role_not_allowed",
            details={"agency_id": agency.pk},
        )


def report_receive(
    *,
    agency: Agency,
    received_by: Official,
    source: str,
    summary: str,
    received_at: datetime | None = None,
    applicant_person: Person | None = None,
    applicant_entity: LegalEntity | None = None,
    event_place: str = "",
    event_time: datetime | None = None,
) -> CrimeReport:
    """Enter a report into the КУИ (art. 180, 185)."""
    _require_intake_role(received_by, agency)
    if source not in ReportSource.values:
        raise InvalidInput(
            _("Unknown report source."), code="invalid_source", details={"source": source}
        )
    if source in SIGNED_SOURCES and applicant_person is None and applicant_entity is None:
        raise InvalidInput(
            _(
                "A statement must name its applicant: an anonymous report is not a reason to start (art. 181(6))."
            ),
            code="applicant_required",
        )
    if not summary.strip():
        raise InvalidInput(_("The report needs a summary."), code="summary_required")
    now = clock.now()
    received_at = received_at or now
    if received_at > now or (event_time is not None and event_time > now):
        raise InvalidInput(
            _("A report cannot be received or describe an event in the future."), code="in_future"
        )
    return CrimeReport.objects.create(
        agency=agency,
        source=source,
        received_at=received_at,
        received_by=received_by,
        applicant_person=applicant_person,
        applicant_entity=applicant_entity,
        summary=summary.strip(),
        event_place=event_place,
        event_time=event_time,
    )


def report_intake(
    *,
    agency: Agency,
    received_by: Official,
    source: str,
    summary: str,
    applicant: Mapping[str, Any] | None = None,
    applicant_entity: Mapping[str, Any] | None = None,
    received_at: datetime | None = None,
    event_place: str = "",
    event_time: datetime | None = None,
) -> CrimeReport:
    """Receive a report whose applicant may be new to the person register (`applicant`: the
    fields of `person_get_or_create`; `applicant_entity`: of `legal_entity_get_or_create`). One
    transaction: a refused report enters nobody in the register."""
    with transaction.atomic():
        person = person_get_or_create(**applicant) if applicant else None
        entity = legal_entity_get_or_create(**applicant_entity) if applicant_entity else None
        return report_receive(
            agency=agency,
            received_by=received_by,
            source=source,
            summary=summary,
            received_at=received_at,
            applicant_person=person,
            applicant_entity=entity,
            event_place=event_place,
            event_time=event_time,
        )


def register_number_next(*, year: int, region_code: str, authority_code: str) -> str:
    """Allocate the next register number for (year, authority) in the caller's transaction.

    One atomic upsert on both PostgreSQL and SQLite: concurrent registrations queue on the
    counter row; a rolled-back registration releases its number, so the sequence stays gap-free.
    """
    table = RegisterSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, authority_code, last_value) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (year, authority_code) DO UPDATE SET last_value = {table}.last_value + 1 "
            "RETURNING last_value",
            [year, authority_code],
        )
        (seq,) = cursor.fetchone()
    return settings.REGISTER_NUMBER_FORMAT.format(
        yy=year % 100, region=region_code, authority=authority_code, seq=seq
    )


def case_register(
    *,
    actor: Official,
    qualification: dict[str, Any],
    summary: str,
    investigation_unit: Agency,
    supervising_office: Agency | None = None,
    report: CrimeReport | None = None,
    registered_at: datetime | None = None,
) -> Case:
    """Register a criminal offence in the ЕРДР: allocate the number, open the case with its
    registration act, and start the 1-day duty to notify the prosecutor (art. 179(1))."""
    registered_at = registered_at or clock.now()
    supervising_office = supervising_office or investigation_unit.supervisor
    if supervising_office is None:
        raise InvalidInput(
            _("The investigation unit has no supervising prosecutor's office; name one."),
            code="supervising_office_required",
        )
    if investigation_unit.kind not in INVESTIGATING_KINDS or investigation_unit.region is None:
        raise InvalidInput(
            _("Cases are registered by an investigating body of a region."), code="invalid_unit"
        )
    # Validate before a number is allocated, so that a refused registration costs nothing.
    kind = kind_get("registration")
    payload_validate(
        kind,
        {
            "register_number": "0" * 15,
            "summary": summary,
            "qualification": qualification,
            "investigation_unit_id": investigation_unit.pk,
            "supervising_office_id": supervising_office.pk,
        },
    )
    with transaction.atomic():
        year = registered_at.astimezone(clock.legal_zone()).year
        number = register_number_next(
            year=year,
            region_code=investigation_unit.region.code,
            authority_code=investigation_unit.authority_code,
        )
        # Unsaved: the registration act inserts it, in the state the act gives it.
        case = Case(
            register_number=number,
            registered_at=registered_at,
            investigation_unit=investigation_unit,
            supervising_office=supervising_office,
        )
        act_append(
            case=case,
            kind="registration",
            actor=actor,
            performed_at=registered_at,
            payload={
                "register_number": number,
                "report_id": report.pk if report else None,
                "summary": summary,
                "qualification": qualification,
                "investigation_unit_id": investigation_unit.pk,
                "supervising_office_id": supervising_office.pk,
            },
        )
        if report is not None:
            _report_close(
                report, status=ReportStatus.REGISTERED, decided_by=actor, decided_at=registered_at
            )
            report.case = case
            report.save(update_fields=["case"])
    return case


def _report_close(
    report: CrimeReport, *, status: str, decided_by: Official, decided_at: datetime, **fields: Any
) -> None:
    # The status is read again under a row lock: `report` may have been loaded before another
    # decision committed, and two decisions must not both pass this check.
    current = CrimeReport.objects.select_for_update().values_list("status", flat=True)
    decided = current.get(pk=report.pk)
    if decided != ReportStatus.RECEIVED:
        raise Conflict(
            _("This report has already been decided."),
            code="report_decided",
            details={"status": decided},
        )
    ReportDecision.objects.create(
        report=report, status=status, decided_by=decided_by, decided_at=decided_at, **fields
    )
    report.status = status
    report.save(update_fields=["status"])


FORWARD_RULES: dict[str, DeadlineRule] = {
    ReportStatus.FORWARDED_ADMINISTRATIVE: FORWARD_ADMINISTRATIVE,
    ReportStatus.FORWARDED_AUDIT: FORWARD_AUDIT,
}


def report_forward(
    *, report: CrimeReport, actor: Official, status: str, addressee: str, reasons: str = ""
) -> CrimeReport:
    """Forward a report without registration: to the body competent for an administrative
    offence or disciplinary misconduct (179(4)), or for an audit (181(5)); both within 3 days.
    The 3-day deadline is recorded as met or breached."""
    if status not in FORWARD_RULES:
        raise InvalidInput(_("Unknown forwarding decision."), code="invalid_decision")
    if not addressee.strip():
        raise InvalidInput(
            _("Name the body the report is forwarded to."), code="addressee_required"
        )
    _require_intake_role(actor, report.agency)
    now = clock.now()
    rule = FORWARD_RULES[status]
    with transaction.atomic():
        _report_close(
            report,
            status=status,
            decided_by=actor,
            decided_at=now,
            addressee=addressee.strip(),
            reasons=reasons,
        )
        due = rule.due(report.received_at)
        Deadline.objects.create(
            report=report,
            rule=rule.rule,
            article=rule.article,
            duty=rule.duty,
            started_at=report.received_at,
            due_at=due,
            state=DeadlineState.MET if now <= due else DeadlineState.BREACHED,
            closed_at=now,
        )
    return report


def report_refuse(
    *, report: CrimeReport, actor: Official, ground: str, reasons: str
) -> CrimeReport:
    """Do not register the report, on a ground of art. 179(1) paras 3–5."""
    if ground not in RefusalGround.values:
        raise InvalidInput(
            _("Name a statutory ground for not registering."),
            code="invalid_ground",
            details={"known": RefusalGround.values},
        )
    if not reasons.strip():
        raise InvalidInput(_("Give the reasons for not registering."), code="reasons_required")
    _require_intake_role(actor, report.agency)
    with transaction.atomic():
        _report_close(
            report,
            status=ReportStatus.REFUSED,
            decided_by=actor,
            decided_at=clock.now(),
            ground=ground,
            reasons=reasons,
        )
    return report


def report_transfer(
    *, report: CrimeReport, actor: Official, to_agency: Agency, reasons: str = ""
) -> CrimeReport:
    """Transfer an unregistered report to the competent investigating body: the report moves to
    that body's КУИ as a new entry, and this one is closed."""
    if to_agency.kind not in INVESTIGATING_KINDS or to_agency.pk == report.agency_id:
        raise InvalidInput(_("Transfer to another investigating body."), code="invalid_agency")
    _require_intake_role(actor, report.agency)
    with transaction.atomic():
        _report_close(
            report,
            status=ReportStatus.TRANSFERRED,
            decided_by=actor,
            decided_at=clock.now(),
            to_agency=to_agency,
            reasons=reasons,
        )
        CrimeReport.objects.create(
            agency=to_agency,
            source=report.source,
            received_at=report.received_at,
            received_by=actor,
            applicant_person=report.applicant_person,
            applicant_entity=report.applicant_entity,
            summary=report.summary,
            event_place=report.event_place,
            event_time=report.event_time,
        )
    return report


def report_register(
    *,
    report: CrimeReport,
    actor: Official,
    qualification: dict[str, Any],
    summary: str = "",
    investigation_unit: Agency | None = None,
    supervising_office: Agency | None = None,
) -> Case:
    """Register the report in the ЕРДР (art. 179(1), 180): opens the case."""
    _require_intake_role(actor, report.agency)
    if report.status != ReportStatus.RECEIVED:
        raise Conflict(
            _("This report has already been decided."),
            code="report_decided",
            details={"status": report.status},
        )
    return case_register(
        actor=actor,
        qualification=qualification,
        summary=summary or report.summary,
        investigation_unit=investigation_unit or report.agency,
        supervising_office=supervising_office,
        report=report,
    )


# How far apart two reports' times of the event may be and still be the same event.
DUPLICATE_WINDOW = timedelta(hours=2)


def reports_alike(
    reports: QuerySet[CrimeReport], *, applicant_iin: str, place: str, at: datetime | None
) -> QuerySet[CrimeReport]:
    """The reports among `reports` from the same applicant about the same place and time (the
    event within DUPLICATE_WINDOW): probably the same crime reported twice. Nothing when the
    report has no applicant, place or time to compare."""
    place = " ".join(place.split())
    if not (applicant_iin and place and at):
        return reports.none()
    return reports.filter(
        applicant_person__iin=applicant_iin,
        event_place__iexact=place,
        event_time__range=(at - DUPLICATE_WINDOW, at + DUPLICATE_WINDOW),
    ).order_by("-received_at")
