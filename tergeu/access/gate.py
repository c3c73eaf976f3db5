"""The access gate: the one place that decides who may see a case and in which capacity an
official acts on it. Every read of a case goes through `visible_cases` or `access_case`.

A case is visible to
- the officials of its investigation unit who are assigned to it (registrar, investigators),
- the heads of its investigation unit,
- the prosecutors of its supervising office and of every office above it,
- the investigating judges a request of the case has been assigned to (the duty roster),
- the trial judge it was assigned to when it reached the court (the duty roster),
- the officials of the penitentiary institution, probation service or bailiff service its
  execution order was sent to,
- the defence lawyers admitted to it for a client (a notice of defence or an appointment), who
  read its acts only through `tergeu.defence.disclosure.disclosed_acts`,
- an official outside its team who broke the glass (`tergeu.access.breakglass`): for a few
  hours, read only, each read marked in the access log.
Administrators see reference data only. Everyone else gets "not found", never "forbidden", so
that the existence of a case does not leak.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.access.audit import access_append
from tergeu.access.models import BreakGlass
from tergeu.accounts.models import EXECUTING_AGENCIES, HEAD_ROLES, Appointment, Official, Role
from tergeu.cases.models import (
    Awaited,
    Case,
    CaseAssignment,
    CaseQuerySet,
    Compartment,
    CourtAssignment,
    Participant,
    ParticipantRole,
)
from tergeu.defence.models import DefenceAdmission
from tergeu.errors import NotFound
from tergeu.persons.models import Person
from tergeu.registry.models import CrimeReport

UNIT_ROLES = frozenset(
    {
        Role.REGISTRAR,
        Role.INVESTIGATOR,
        Role.INQUIRY_OFFICER,
        Role.INVESTIGATION_HEAD,
        Role.INQUIRY_HEAD,
    }
)


def _appointments(user: Official) -> list[Appointment]:
    cached: list[Appointment] | None = getattr(user, "_tergeu_appointments", None)
    if cached is None:
        cached = list(Appointment.objects.filter(official=user).select_related("agency"))
        user._tergeu_appointments = cached  # type: ignore[attr-defined]
    return cached


def _broken_glass(user: Official) -> frozenset[int]:
    """The cases `user` reads under a running break-glass grant (read once a request)."""
    cached: frozenset[int] | None = getattr(user, "_tergeu_break_glass", None)
    if cached is None:
        cached = frozenset(
            BreakGlass.objects.filter(official=user, until__gt=clock.now()).values_list(
                "case_id", flat=True
            )
        )
        user._tergeu_break_glass = cached  # type: ignore[attr-defined]
    return cached


def holds_role(user: Official, role: str) -> bool:
    """Whether `user` holds `role` in some agency (their appointments are read once a request)."""
    return any(a.role == role for a in _appointments(user))


def visible_cases(user: Official | Any, *, break_glass: bool = True) -> CaseQuerySet:
    """Every case this user may see (no access-log row: lists log through `log_list`);
    `break_glass=False`: leaving out what only a break-glass grant opens."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    appointments = _appointments(user)
    unit_ids = {a.agency_id for a in appointments if a.role in UNIT_ROLES}
    head_unit_ids = {a.agency_id for a in appointments if a.role in HEAD_ROLES}
    office_paths = {a.agency.path for a in appointments if a.role == Role.PROSECUTOR}
    rule = Q(pk__in=[])
    executing = {
        a.agency_id
        for a in appointments
        if a.role in EXECUTING_AGENCIES  # penitentiary, probation, bailiff
    }
    if executing:
        # The institution an execution order was sent to sees the case from then on.
        rule |= Q(execution_institution_id__in=executing)
    if any(a.role == Role.TRIAL_JUDGE for a in appointments):
        # A trial judge sees the cases assigned to them when they reached the court.
        rule |= Q(Exists(CourtAssignment.objects.filter(case=OuterRef("pk"), judge=user)))
    if any(a.role == Role.INVESTIGATING_JUDGE for a in appointments):
        # A judge sees the cases of the requests assigned to them (the duty roster).
        rule |= Q(Exists(Awaited.objects.filter(case=OuterRef("pk"), assignee=user)))
    if any(a.role == Role.DEFENCE_LAWYER for a in appointments):
        # A lawyer sees the cases they are admitted to, for as long as the admission runs.
        rule |= Q(Exists(_admissions(user).filter(case=OuterRef("pk"))))
    if unit_ids:
        assigned = CaseAssignment.objects.filter(case=OuterRef("pk"), official=user)
        rule |= Q(Exists(assigned), investigation_unit_id__in=unit_ids)
    if head_unit_ids:
        rule |= Q(investigation_unit_id__in=head_unit_ids)
    for path in office_paths:
        rule |= Q(supervising_office__path__startswith=path)
    if break_glass and _broken_glass(user):
        rule |= Q(pk__in=_broken_glass(user))
    return Case.objects.filter(rule)


def capacities(user: Official, case: Case, *, registering: bool = False) -> list[str]:
    """The capacities in which `user` acts on `case`, e.g. ["investigator"]. `registering`: the
    case is being opened, so unit officials need no assignment yet."""
    roles: list[str] = []
    assigned = registering or CaseAssignment.objects.filter(case=case, official=user).exists()
    for appointment in _appointments(user):
        if appointment.agency_id == case.investigation_unit_id:
            if appointment.role in HEAD_ROLES or (appointment.role in UNIT_ROLES and assigned):
                roles.append(appointment.role)
        elif appointment.role not in roles and _outside_the_unit(appointment, user, case):
            roles.append(appointment.role)
    return roles


def _outside_the_unit(appointment: Appointment, user: Official, case: Case) -> bool:
    """Whether an appointment outside the case's unit gives a capacity on the case: a
    supervising prosecutor; the judge an open request is assigned to; the trial judge of the
    case; an official of the institution executing the sentence; a lawyer admitted to it."""
    role = appointment.role
    if role == Role.PROSECUTOR:
        return case.supervising_office.path.startswith(appointment.agency.path)
    if role == Role.INVESTIGATING_JUDGE:
        return Awaited.objects.filter(case=case, assignee=user, closed_at__isnull=True).exists()
    if role == Role.TRIAL_JUDGE:
        return CourtAssignment.objects.filter(case=case, judge=user).exists()
    if role in EXECUTING_AGENCIES:
        return appointment.agency_id == case.execution_institution_id
    if role == Role.DEFENCE_LAWYER:
        return _admissions(user).filter(case=case).exists()
    return False


def _admissions(user: Official) -> QuerySet[DefenceAdmission]:
    """The running admissions of a defence lawyer (arts 66-68)."""
    return DefenceAdmission.objects.filter(lawyer=user, until__isnull=True)


def access_case(
    user: Official,
    *,
    case_id: int,
    surface: str,
    action: str = "view_case",
    detail: dict[str, Any] | None = None,
) -> Case:
    """The case, if `user` may see it; writes the access-log row (with `detail`: what was read,
    e.g. a document). Raises NotFound otherwise."""
    case = (
        visible_cases(user)
        .select_related(
            "investigation_unit", "supervising_office", "lead_investigator", "procedural_prosecutor"
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound(_("No such case."), code="case_not_found", details={"case_id": case_id})
    access_log(user, case=case, surface=surface, action=action, detail=detail)
    return case


def by_break_glass(user: Official, case: Case) -> bool:
    """Whether `user` reads `case` only under a break-glass grant."""
    return case.pk in _broken_glass(user) and not (
        visible_cases(user, break_glass=False).filter(pk=case.pk).exists()
    )


def access_compartment(
    user: Official,
    *,
    case_id: int,
    number: int,
    surface: str,
    action: str = "view_compartment",
    detail: dict[str, Any] | None = None,
) -> Compartment:
    """A covert compartment of a case, if it names `user`; logged (with `detail`). Anyone else
    is told it does not exist, exactly as for a number no compartment has."""
    case = access_case(user, case_id=case_id, surface=surface, action=action, detail=detail)
    compartment = (
        Compartment.objects.filter(case=case, number=number, members__official=user)
        .select_related("case__investigation_unit", "case__supervising_office")
        .first()
    )
    if compartment is None:
        raise NotFound(
            _("No such compartment."),
            code="compartment_not_found",
            details={"case_id": case_id, "number": number},
        )
    access_log(
        user,
        case=case,
        surface=surface,
        action=action,
        detail={**(detail or {}), "compartment": number},
    )
    return compartment


def access_log(
    user: Official,
    *,
    surface: str,
    action: str,
    case: Case | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """One entry in the user's chain of the access log; a read of a case the user sees only
    under a break-glass grant is marked so."""
    broken = case is not None and case.pk in _broken_glass(user) and by_break_glass(user, case)
    access_append(
        user, surface=surface, action=action, case=case, detail=detail, break_glass=broken
    )


def visible_reports(user: Official | Any) -> QuerySet[CrimeReport]:
    """Crime reports in the КУИ of the user's own bodies, and of the bodies their prosecutor's
    office (or an office below it) supervises."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return CrimeReport.objects.none()
    appointments = _appointments(user)
    rule = Q(agency_id__in={a.agency_id for a in appointments if a.role in UNIT_ROLES})
    for path in {a.agency.path for a in appointments if a.role == Role.PROSECUTOR}:
        rule |= Q(agency__supervisor__path__startswith=path)
    return CrimeReport.objects.filter(rule)


def access_report(
    user: Official, *, report_id: int, surface: str, action: str = "view_report"
) -> CrimeReport:
    """The report, if `user` may see it; logged like a case read."""
    report = (
        visible_reports(user)
        .select_related("agency", "applicant_person", "applicant_entity", "case")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise NotFound(
            _("No such report."), code="report_not_found", details={"report_id": report_id}
        )
    access_log(user, surface=surface, action=action, detail={"report_id": report_id})
    return report


# The participants who follow their case on the citizens' status page, without an account.
STATUS_PAGE_ROLES = frozenset(
    {ParticipantRole.VICTIM, ParticipantRole.APPLICANT, ParticipantRole.SUSPECT}
)


def participant_case(
    *, person: Person, register_number: str = "", case_id: int | None = None
) -> Case | None:
    """The case (by its register number, or by id) in which `person` takes part as a victim,
    an applicant or a suspect; None for any other, so that a case that does not exist and a
    case of other people look the same. The status page reaches a case only through this; its
    reads are logged by `tergeu.public` (a person has no official's account to log them by)."""
    cases = Case.objects.filter(
        Exists(
            Participant.objects.filter(
                case=OuterRef("pk"), person=person, role__in=STATUS_PAGE_ROLES
            )
        )
    )
    if case_id is not None:
        return cases.filter(pk=case_id).first()
    return cases.filter(register_number=register_number).first() if register_number else None
