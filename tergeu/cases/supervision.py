"""The prosecutor's supervision list (art. 193): every case supervised by their offices and the
offices below them, with what is at risk in it — deadlines past their end and still open,
persons detained (and when the detention's limit is reached), custody running, deadlines due
soon.

The cases are those the access gate shows the user (`visible_cases`) that their prosecutor's
offices supervise. Covert actions appear only for the prosecutor named on their compartment
(`covert`), never in the other lists: their clocks live in compartments (`Deadline.compartment`).
A page costs a fixed number of queries however many cases, deadlines and persons it shows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import Any

from django.db.models import Exists, F, OuterRef, Q

from tergeu.access.gate import visible_cases
from tergeu.accounts.models import Appointment, Official, Role
from tergeu.cases.compartments import part_load
from tergeu.cases.law import pack
from tergeu.cases.models import (
    OPEN_DEADLINE_STATES,
    Case,
    CaseQuerySet,
    Compartment,
    Deadline,
    DeadlineState,
)
from tergeu.persons.models import Person
from tergeu.procedure.state import Covert, from_json

# The clocks that end a detention (release unless custody is ordered, 131(4)) and custody
# (151(1), 541(4)): their open clocks say when the person must be released at the latest.
DETENTION_RULES = frozenset({"R39", "R39X", "R40"})
CUSTODY_RULES = frozenset({"R44", "R50"})


@dataclass(frozen=True)
class Deprived:
    """A person detained or in custody, and the latest moment of release by the clocks
    running (None when no clock runs: custody after the end of the investigation, 152(6))."""

    party: str
    name: str
    minor: bool
    since: datetime | None
    until: datetime | None  # the end the judge set for custody
    ends_at: datetime | None


@dataclass(frozen=True)
class CovertNamed:
    """A covert compartment of the case that names the prosecutor: its covert actions and its
    open deadlines."""

    number: int
    actions: list[Covert]
    deadlines: list[Deadline]


@dataclass(frozen=True)
class Supervised:
    case: Case
    overdue: list[Deadline] = field(default_factory=list)
    due_soon: list[Deadline] = field(default_factory=list)
    detained: list[Deprived] = field(default_factory=list)
    custody: list[Deprived] = field(default_factory=list)
    covert: list[CovertNamed] = field(default_factory=list)


def prosecutor_paths(user: Official) -> list[str]:
    """The paths of the prosecutor's offices `user` is appointed to (empty: not a prosecutor)."""
    return list(
        Appointment.objects.filter(official=user, role=Role.PROSECUTOR).values_list(
            "agency__path", flat=True
        )
    )


@cache
def window_rules() -> frozenset[str]:
    """Rules whose clocks are periods for others to act (appeals): their end is no breach."""
    return frozenset(
        rule_id for rule_id, versions in pack().deadlines.items() if any(v.period for v in versions)
    )


def _open_deadlines(case: Any = None) -> Any:
    """The open clocks of the case, covert ones (in compartments) and windows left out."""
    rows = Deadline.objects.filter(
        state__in=OPEN_DEADLINE_STATES, compartment__isnull=True
    ).exclude(rule__in=window_rules())
    return rows if case is None else rows.filter(case=case)


def supervised_cases(
    user: Official,
    paths: Sequence[str],
    *,
    now: datetime,
    overdue: bool = False,
    detained: bool = False,
    covert: bool = False,
    stage: str = "",
) -> CaseQuerySet:
    """The cases the offices at `paths` supervise that `user` may see, the one with the
    nearest open deadline first. `overdue`: only cases with a deadline past its end;
    `detained`: only cases with a detention or custody clock running; `covert`: only cases
    with a covert compartment naming `user`; `stage`: at that stage."""
    offices = Q(pk__in=[])
    for path in paths:
        offices |= Q(supervising_office__path__startswith=path)
    open_clocks = _open_deadlines(OuterRef("pk"))
    cases = visible_cases(user).filter(offices)
    if stage:
        cases = cases.filter(stage=stage)
    if overdue:
        late = open_clocks.filter(state=DeadlineState.RUNNING, due_at__lt=now)
        cases = cases.filter(Exists(late))
    if detained:
        cases = cases.filter(Exists(open_clocks.filter(rule__in=DETENTION_RULES | CUSTODY_RULES)))
    if covert:
        named = Compartment.objects.filter(case=OuterRef("pk"), members__official=user)
        cases = cases.filter(Exists(named))
    # The case row keeps its nearest deadline (`next_due_at`, written with its clocks), so the
    # list is read in that order from an index and stops at the page's end.
    return cases.select_related("investigation_unit", "procedural_prosecutor").order_by(
        F("next_due_at").asc(nulls_last=True), "-registered_at", "-id"
    )


def supervision_rows(
    cases: Sequence[Case], *, now: datetime, user: Official | None = None
) -> list[Supervised]:
    """The risks of each case of a page: two queries for the whole page (the names of the
    persons deprived of liberty only when there are some), and two for the covert compartments
    that name `user`."""
    ids = [case.pk for case in cases]
    named = _covert_named(ids, user) if user is not None else {}
    clocks: dict[int, list[Deadline]] = defaultdict(list)
    for deadline in _open_deadlines().filter(case_id__in=ids).order_by("due_at", "pk"):
        clocks[deadline.case_id].append(deadline)
    # The persons deprived of liberty are named from the person register (a detained suspect
    # need not be admitted as a participant).
    parties = {
        party
        for case in cases
        for party, person in from_json(case.procedure).persons.items()
        if person.detained_at is not None or person.custody_from is not None
    }
    iins = [party[4:] for party in parties if party.startswith("iin:")]
    names = {f"iin:{p.iin}": str(p) for p in Person.objects.filter(iin__in=iins)} if iins else {}
    return [
        replace(_row(case, clocks[case.pk], names, now), covert=named.get(case.pk, []))
        for case in cases
    ]


def _covert_named(case_ids: list[int], user: Official) -> dict[int, list[CovertNamed]]:
    """The compartments of these cases that name `user`, with their open deadlines."""
    compartments = list(
        Compartment.objects.filter(case_id__in=case_ids, members__official=user).order_by(
            "case_id", "number"
        )
    )
    if not compartments:
        return {}
    deadlines: dict[int, list[Deadline]] = defaultdict(list)
    for deadline in Deadline.objects.filter(
        compartment__in=compartments, state__in=OPEN_DEADLINE_STATES
    ).order_by("due_at", "pk"):
        deadlines[deadline.compartment_id or 0].append(deadline)
    named: dict[int, list[CovertNamed]] = defaultdict(list)
    for compartment in compartments:
        actions = list(part_load(compartment).covert.values())
        named[compartment.case_id].append(
            CovertNamed(compartment.number, actions, deadlines[compartment.pk])
        )
    return named


def _row(case: Case, clocks: list[Deadline], names: dict[str, str], now: datetime) -> Supervised:
    row = Supervised(case)
    for deadline in clocks:
        if deadline.state != DeadlineState.RUNNING:
            continue
        if deadline.due_at < now:
            row.overdue.append(deadline)
        elif deadline.warn_at is not None and deadline.warn_at <= now:
            row.due_soon.append(deadline)
    ends = {(d.rule, d.subject): d.due_at for d in clocks}
    for person in from_json(case.procedure).persons.values():
        name = names.get(person.party, "")
        if person.detained_at is not None:
            end = _first(ends, DETENTION_RULES, person.party)
            row.detained.append(
                Deprived(person.party, name, person.minor, person.detained_at, None, end)
            )
        elif person.custody_from is not None:
            end = _first(ends, CUSTODY_RULES, person.party) or person.custody_until
            row.custody.append(
                Deprived(
                    person.party,
                    name,
                    person.minor,
                    person.custody_from,
                    person.custody_until,
                    end,
                )
            )
    return row


def _first(
    ends: dict[tuple[str, str], datetime], rules: frozenset[str], party: str
) -> datetime | None:
    found = [due for (rule, subject), due in ends.items() if rule in rules and subject == party]
    return min(found, default=None)
