"""The queues of requests awaiting a decision: `Awaited` rows written from the engine's open
requests in the act's transaction, each assigned to whoever must decide it — the investigating
judge on duty at the competent court, the case's procedural prosecutor — or left to the queue
of an office or a unit."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from tergeu.accounts.models import HEAD_ROLES, AgencyKind, Appointment, DutyShift, Official, Role
from tergeu.cases.law import pack
from tergeu.cases.models import Awaited, Case, Compartment, CourtAssignment
from tergeu.procedure.engine import Awaiting, awaiting
from tergeu.procedure.state import ProcState


def awaited_store(
    case: Case,
    old: ProcState,
    new: ProcState,
    *,
    at: datetime,
    compartment: Compartment | None = None,
) -> list[tuple[int, str]]:
    """Open a queue row for each new request or step, close the rows of decided requests.
    Returns the (official, role) each new row was assigned to. `compartment`: the requests are
    a covert compartment's (numbered within it)."""
    if old.requests == new.requests:
        return []
    rows = Awaited.objects.filter(case=case, compartment=compartment)
    decided = set(old.requests) - set(new.requests)
    if decided:
        rows.filter(request_seq__in=decided).update(closed_at=at)
    assigned: list[tuple[int, str]] = []
    for row in awaiting(pack(), new):
        before = old.requests.get(row.request)
        if before is not None and before.step == new.requests[row.request].step:
            continue
        official = assignee(case, row, at)
        if official is not None:
            assigned.append((official, row.role))
        Awaited.objects.update_or_create(
            case=case,
            compartment=compartment,
            request_seq=row.request,
            defaults={
                "kind": row.kind,
                "step": new.requests[row.request].step,
                "role": row.role,
                "decision": row.decision,
                "article": row.article[:64],
                "due_at": row.due_at,
                "opened_at": at,
                "assignee_id": official,
                "closed_at": None,
            },
        )
    return assigned


def assignee(case: Case, row: Awaiting, at: datetime) -> int | None:
    """Who a request reaching a step is assigned to: for a judge's sanction, the investigating
    judge on duty at the investigating court of the case's region at that moment; for the
    prosecutor, the procedural prosecutor when one is named."""
    if Role.INVESTIGATING_JUDGE in row.roles:
        duty = on_duty(AgencyKind.INVESTIGATING_COURT, case.investigation_unit.region_id, at)
        return duty[0] if duty else None
    if Role.PROSECUTOR in row.roles:
        return case.procedural_prosecutor_id
    return None


def queue(user: Official) -> QuerySet[Awaited]:
    """The open requests awaiting `user`'s decision, the most urgent first: assigned to them;
    or, unassigned, for the prosecutors of a supervising office (and the offices above it) or
    the heads of a case's unit."""
    appointments = list(Appointment.objects.filter(official=user).select_related("agency"))
    rule = Q(assignee=user)
    paths = [a.agency.path for a in appointments if a.role == Role.PROSECUTOR]
    for path in paths:
        rule |= Q(
            assignee__isnull=True,
            role=Role.PROSECUTOR,
            case__supervising_office__path__startswith=path,
        )
    head_units = [a.agency_id for a in appointments if a.role in HEAD_ROLES]
    if head_units:
        head_roles = [*HEAD_ROLES, "head"]
        rule |= Q(
            assignee__isnull=True,
            role__in=head_roles,
            case__investigation_unit_id__in=head_units,
        )
    # A covert request is in the queue of the officials named on its compartment only.
    secret = Q(compartment__isnull=True) | Q(compartment__members__official=user)
    return (
        Awaited.objects.filter(rule, secret, closed_at__isnull=True)
        .select_related("case", "compartment")
        .order_by("due_at", "opened_at")
    )


COURT_STAGES = frozenset({"sent_to_court", "writ_review"})


def court_assign(case: Case, old: ProcState, new: ProcState, *, at: datetime) -> None:
    """A case reaching the court goes to the trial judge on duty at the district court of its
    region; with nobody on duty it waits unassigned."""
    if new.stage not in COURT_STAGES or old.stage in COURT_STAGES:
        return
    shift = on_duty(AgencyKind.DISTRICT_COURT, case.investigation_unit.region_id, at)
    if shift is not None:
        CourtAssignment.objects.get_or_create(
            case=case, judge_id=shift[0], defaults={"court_id": shift[1], "assigned_at": at}
        )


def unassigned_assign(now: datetime) -> int:
    """What reached a court while nobody was on duty goes to whoever is on duty at `now`:
    requests for an investigating judge's sanction (a covert one names the judge on its
    compartment), and cases sent to the trial court. Returns how many were assigned."""
    from tergeu.cases.compartments import members_add

    assigned = 0
    waiting = Awaited.objects.filter(
        closed_at__isnull=True, assignee__isnull=True, role=Role.INVESTIGATING_JUDGE
    ).select_related("case__investigation_unit", "compartment")
    for row in waiting:
        duty = on_duty(AgencyKind.INVESTIGATING_COURT, row.case.investigation_unit.region_id, now)
        if duty is None:
            continue
        with transaction.atomic():
            taken = Awaited.objects.filter(pk=row.pk, assignee__isnull=True).update(
                assignee_id=duty[0]
            )
            if taken and row.compartment is not None:
                members_add(row.compartment, [(duty[0], row.role)], at=now)
        assigned += taken
    unheard = Case.objects.filter(stage__in=COURT_STAGES).exclude(
        Exists(CourtAssignment.objects.filter(case=OuterRef("pk")))
    )
    for case in unheard.select_related("investigation_unit"):
        shift = on_duty(AgencyKind.DISTRICT_COURT, case.investigation_unit.region_id, now)
        if shift is not None:
            _, created = CourtAssignment.objects.get_or_create(
                case=case, judge_id=shift[0], defaults={"court_id": shift[1], "assigned_at": now}
            )
            assigned += created
    return assigned


def on_duty(court_kind: str, region_id: int | None, at: datetime) -> tuple[int, int] | None:
    """(judge, court) on duty at `at` at a court of `court_kind` in the region, if any."""
    if region_id is None:
        return None
    return (
        DutyShift.objects.filter(
            court__kind=court_kind, court__region_id=region_id, starts_at__lte=at, ends_at__gt=at
        )
        .order_by("starts_at")
        .values_list("judge_id", "court_id")
        .first()
    )
