"""Covert compartments (arts 231–240, 70(2)(5)): the covert actions of a case, kept apart.

A compartment holds its own part of the procedure — its covert action, the requests for its
sanction and extensions, their clocks — and its own journal chain. The case's row, journal,
deadlines and queues hold nothing of it, so whatever shows the case shows no trace of it; only
the officials named on it (`CompartmentMember`) see it.

The law still reads the two together: a covert act is judged against the case's stage and
persons with the compartment's covert part (`inside`), and an act of the case — a final
decision that starts the clock to notify the person watched — is replayed against each
compartment (`follow`) so that the compartment's clocks react to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from functools import cache

from django.db.models import Max, QuerySet

from tergeu.accounts.models import CONDUCTING_ROLES, HEAD_ROLES, Appointment, Official, Role
from tergeu.cases.law import pack
from tergeu.cases.models import Case, Compartment, CompartmentMember
from tergeu.procedure.engine import Proposal, evaluate
from tergeu.procedure.state import ProcState, from_json, to_json


def part_load(compartment: Compartment | None) -> ProcState:
    """The compartment's part of the procedure (empty for a compartment not yet opened)."""
    return from_json(compartment.procedure) if compartment is not None else ProcState()


def part_of(state: ProcState) -> ProcState:
    """What of `state` belongs to a compartment: its covert actions, requests and clocks."""
    return ProcState(covert=state.covert, requests=state.requests, clocks=state.clocks)


def inside(case_state: ProcState, part: ProcState) -> ProcState:
    """The case as an act of the compartment sees it: the case's stage, qualification and
    persons, with the compartment's covert actions, requests and clocks."""
    return replace(case_state, covert=part.covert, requests=part.requests, clocks=part.clocks)


def unchanged_outside(before: ProcState, after: ProcState) -> bool:
    """Whether a covert act left everything outside its compartment as it was."""
    return replace(after, covert={}, requests={}, clocks={}) == replace(
        before, covert={}, requests={}, clocks={}
    )


def compartment_open(case: Case, *, opener: Official, role: str, at: datetime) -> Compartment:
    """A new compartment of `case`, naming the requesting official, the heads of the case's
    unit and the procedural prosecutor. The judge joins when a request reaches them."""
    number = (case.compartments.aggregate(n=Max("number"))["n"] or 0) + 1
    compartment = Compartment.objects.create(case=case, number=number, opened_at=at)
    heads = Appointment.objects.filter(
        agency_id=case.investigation_unit_id, role__in=HEAD_ROLES
    ).values_list("official_id", "role")
    named = [(opener.pk, role), *heads]
    if case.procedural_prosecutor_id:
        named.append((case.procedural_prosecutor_id, Role.PROSECUTOR))
    members_add(compartment, named, at=at)
    return compartment


def members_add(
    compartment: Compartment, named: Iterable[tuple[int, str]], *, at: datetime
) -> None:
    """Name officials on the compartment (once each; the first role named stays)."""
    present = set(compartment.members.values_list("official_id", flat=True))
    fresh: dict[int, str] = {}
    for official_id, role in named:
        if official_id not in present:
            fresh.setdefault(official_id, role)
    CompartmentMember.objects.bulk_create(
        [
            CompartmentMember(compartment=compartment, official_id=pk, role=role, since=at)
            for pk, role in fresh.items()
        ]
    )


def responsible_officials(compartment: Compartment) -> dict[str, int | None]:
    """Who answers for the compartment's clocks: the requesting official for the body's duties,
    the prosecutor named on it for the prosecutor's."""
    members = dict(compartment.members.order_by("since", "id").values_list("role", "official_id"))
    conducting = next((members[r] for r in members if r in CONDUCTING_ROLES), None)
    return {
        "lead_investigator_id": conducting,
        "procedural_prosecutor_id": members.get(Role.PROSECUTOR),
    }


def part_store(
    case: Case, compartment: Compartment, old: ProcState, new: ProcState, *, at: datetime
) -> None:
    """Write the compartment's new part: its row, its queue rows (naming whoever a request is
    assigned to on the compartment) and its deadline rows. The caller saves the row."""
    from tergeu.cases.awaited import awaited_store
    from tergeu.cases.clocks import clocks_store

    compartment.procedure = to_json(part_of(new))
    if old.requests != new.requests:
        assigned = awaited_store(case, old, new, at=at, compartment=compartment)
        members_add(compartment, assigned, at=at)
    if old.clocks != new.clocks:
        clocks_store(
            case.pk,
            old.clocks,
            new.clocks,
            officials=responsible_officials(compartment),
            compartment=compartment,
        )


def follow(
    case: Case,
    old: ProcState,
    new: ProcState,
    proposal: Proposal,
    events: Iterable[str],
    *,
    at: datetime,
) -> None:
    """Replay an act of the case (accepted: `old` → `new`, firing `events`) against each
    compartment with a covert action, and store what it changes there. Most acts cannot touch
    a compartment (`reaching_compartments`): for them not even the compartments are read."""
    if not reaching_compartments().intersection(events):
        return
    for compartment in case.compartments.select_for_update():
        part = part_load(compartment)
        after = followed(part, old, new, proposal, events)
        if after != part:
            part_store(case, compartment, part, after, at=at)
            compartment.save(update_fields=["procedure"])


def followed(
    part: ProcState, old: ProcState, new: ProcState, proposal: Proposal, events: Iterable[str]
) -> ProcState:
    """A compartment's part after an act of the case (accepted: `old` → `new`, firing
    `events`): the clocks the act starts or closes there, the covert actions it touches. The
    case's own clocks and requests are not the compartment's."""
    if not part.covert or not reaching_compartments().intersection(events):
        return part
    seen = replace(old, covert=part.covert, clocks={**old.clocks, **part.clocks})
    verdict = evaluate(pack(), seen, proposal)
    if not verdict.accepted:
        return part
    clocks = {k: c for k, c in verdict.state.clocks.items() if k not in new.clocks}
    return replace(part, covert=verdict.state.covert, clocks=clocks)


COVERT_EFFECTS = frozenset(
    {"covert_open", "covert_start", "covert_refuse", "covert_end", "covert_notified"}
)


@cache
def reaching_compartments() -> frozenset[str]:
    """The events of acts of the case that can change a compartment, read from the pack: those
    that start a clock only where a covert action has ended (`when.covert`), those that touch a
    clock a covert act starts, and those of acts with a covert effect. (Should a compartment's
    clock ever belong to a group that stages pause, every event would.)"""
    p = pack()
    secret = {kind for kind, versions in p.acts.items() if versions[0].compartment}
    rules = {
        rule.id
        for event, started in p.started_by.items()
        if event.split(".")[0] in secret
        for rule in started
    }
    rules |= {
        deadline
        for kind in secret
        for version in p.acts[kind]
        if version.chain
        for chain in p.chains[version.chain]
        for step in chain.steps
        for deadline in step.deadlines
    }
    rules |= {
        rule_id
        for rule_id, versions in p.deadlines.items()
        if any(v.when.covert is not None for v in versions)
    }
    every = set(p.started_by) | set(p.touched_by)
    if any(v.group for rule_id in rules for v in p.deadlines.get(rule_id, ())):
        return frozenset(every)
    events = {e for e, started in p.started_by.items() if any(r.id in rules for r in started)}
    events |= {e for e, touched in p.touched_by.items() if touched & rules}
    for kind, versions in p.acts.items():
        for v in versions:
            if COVERT_EFFECTS & {*v.effects, *v.on_granted, *v.on_refused}:
                events |= {kind, f"{kind}.granted", f"{kind}.refused"}
    return frozenset(events)


def compartments_of(user: Official, case: Case) -> QuerySet[Compartment]:
    """The compartments of `case` that name `user` (for everyone else: none, and no count)."""
    return Compartment.objects.filter(case=case, members__official=user)
