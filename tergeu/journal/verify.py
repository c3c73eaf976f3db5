"""Checking a case's journal: gap-free sequence, intact canonical bytes, hashes and chain, and a
projection equal to the journal folded through the act kinds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tergeu.cases import law
from tergeu.cases.clocks import next_due
from tergeu.cases.compartments import followed, inside, part_load, part_of
from tergeu.cases.models import Case, Compartment
from tergeu.cases.projection import ActFacts, CaseState
from tergeu.cases.store import states_load
from tergeu.journal.canonical import GENESIS_HASH, act_document, sha256_hex
from tergeu.journal.models import Act
from tergeu.procedure.engine import evaluate
from tergeu.procedure.state import ProcState


@dataclass(frozen=True)
class Problem:
    case: str
    seq: int | None
    what: str

    def __str__(self) -> str:
        where = f"act {self.seq}" if self.seq is not None else "case"
        return f"{self.case} {where}: {self.what}"


ACT_COLUMNS = (
    "case_id",
    "seq",
    "kind",
    "payload",
    "actor_id",
    "actor_role",
    "performed_at",
    "recorded_at",
    "canonical",
    "hash",
    "prev_hash",
)


def verify_case(case: Case) -> list[Problem]:
    """Every problem found in `case`'s journal and projection (empty when all is well)."""
    return verify_cases([case])


def verify_cases(cases: Sequence[Case]) -> list[Problem]:
    """Every problem in these cases' journals and projections. Reads the acts of all of them in
    one ordered stream and their projections in two queries, so a database of millions of acts
    is checked in a few queries per batch of cases rather than a few per case."""
    by_id = {case.pk: case for case in cases}
    stored = states_load(cases)
    kinds = law.agency_kinds()
    checks = {pk: _Check(case, kinds) for pk, case in by_id.items()}
    acts = (
        Act.objects.filter(case_id__in=by_id, compartment__isnull=True)
        .order_by("case_id", "seq")
        .only(*ACT_COLUMNS)
    )
    for act in acts.iterator(chunk_size=5000):
        checks[act.case_id].add(act)
    problems: list[Problem] = []
    for pk, check in checks.items():
        problems.extend(check.finish(stored[pk]))
    compartments: dict[int, list[Compartment]] = {}
    for compartment in Compartment.objects.filter(case_id__in=by_id).order_by("number"):
        compartments.setdefault(compartment.case_id, []).append(compartment)
    for pk, opened in compartments.items():
        problems.extend(_compartments_check(by_id[pk], opened, kinds))
    return problems


def _compartments_check(
    case: Case, compartments: Sequence[Compartment], agency_kinds: Mapping[int, str]
) -> list[Problem]:
    """A case's compartments: each chain intact, and each compartment's part of the procedure
    equal to the case's and the compartment's acts folded together in the order they were
    recorded (an act of the case may start a compartment's clock)."""
    problems: list[Problem] = []
    by_id = {c.pk: c for c in compartments}
    parts = {c.pk: ProcState() for c in compartments}
    heads = {c.pk: (0, GENESIS_HASH) for c in compartments}
    state = CaseState()

    def report(compartment: Compartment | None, seq: int | None, what: str) -> None:
        where = f"compartment {compartment.number}: " if compartment else ""
        problems.append(Problem(case.register_number, seq, where + what))

    for act in Act.objects.filter(case=case).order_by("id").only(*ACT_COLUMNS, "compartment_id"):
        facts = ActFacts(act.seq, act.kind, act.payload, act.actor_id, act.actor_role)
        roles = (act.actor_role,)
        at = act.performed_at
        try:
            proposal = law.proposal_for(state, facts, at=at, roles=roles, agency_kinds=agency_kinds)
            if act.compartment_id is None:
                verdict, after = law.advance(
                    state, facts, at=at, roles=roles, agency_kinds=agency_kinds
                )
                if verdict.accepted:
                    for pk, part in parts.items():
                        parts[pk] = followed(
                            part, state.procedure, after.procedure, proposal, verdict.events
                        )
                state = after
                continue
            compartment = by_id[act.compartment_id]
            seq, prev = heads[compartment.pk]
            if act.seq != seq + 1:
                report(compartment, act.seq, f"sequence gap: expected {seq + 1}")
            for what in _chain_problems(act, case, prev, compartment.number):
                report(compartment, act.seq, what)
            heads[compartment.pk] = (act.seq, act.hash)
            verdict = evaluate(law.pack(), inside(state.procedure, parts[compartment.pk]), proposal)
        except (KeyError, TypeError, ValueError) as exc:
            report(by_id.get(act.compartment_id or 0), act.seq, f"cannot be applied: {exc!r}")
            continue
        if not verdict.accepted:
            codes = ", ".join(r.code for r in verdict.reasons)
            report(compartment, act.seq, f"the law in force at the time refuses it ({codes})")
            continue
        parts[compartment.pk] = part_of(verdict.state)
    for compartment in compartments:
        if heads[compartment.pk] != (compartment.last_seq, compartment.last_hash):
            report(compartment, None, "compartment head differs from its last act")
        if parts[compartment.pk] != part_load(compartment):
            report(compartment, None, "its part of the procedure differs from the journal")
    return problems


def _chain_problems(act: Act, case: Case, prev: str, compartment: int | None) -> list[str]:
    """What is wrong with one act's canonical bytes, hash and link to the act before it."""
    problems = []
    rebuilt = act_document(
        register_number=case.register_number,
        seq=act.seq,
        kind=act.kind,
        payload=act.payload,
        actor_id=act.actor_id,
        actor_role=act.actor_role,
        performed_at=act.performed_at,
        recorded_at=act.recorded_at,
        prev_hash=act.prev_hash,
        compartment=compartment,
    )
    stored = bytes(act.canonical)
    if rebuilt != stored:
        problems.append("recorded fields differ from the canonical bytes that were hashed")
    if sha256_hex(stored) != act.hash:
        problems.append("hash does not match the canonical bytes")
    if act.prev_hash != prev:
        problems.append("hash chain broken: prev_hash is not the previous act's hash")
    return problems


class _Check:
    """One case's journal, checked act by act as the acts stream past."""

    def __init__(self, case: Case, agency_kinds: Mapping[int, str]) -> None:
        self.case = case
        self.agency_kinds = agency_kinds
        self.state = CaseState()
        self.expected_seq = 1
        self.prev = GENESIS_HASH
        self.problems: list[Problem] = []

    def report(self, seq: int | None, what: str) -> None:
        self.problems.append(Problem(self.case.register_number, seq, what))

    def add(self, act: Act) -> None:
        if act.seq != self.expected_seq:
            self.report(act.seq, f"sequence gap: expected {self.expected_seq}")
        for what in _chain_problems(act, self.case, self.prev, None):
            self.report(act.seq, what)
        self.prev, self.expected_seq = act.hash, act.seq + 1
        try:
            facts = ActFacts(act.seq, act.kind, act.payload, act.actor_id, act.actor_role)
            verdict, self.state = law.advance(
                self.state,
                facts,
                at=act.performed_at,
                roles=(act.actor_role,),
                agency_kinds=self.agency_kinds,
            )
        except (KeyError, TypeError, ValueError) as exc:
            self.report(act.seq, f"cannot be applied: {exc!r}")
            return
        if not verdict.accepted:
            codes = ", ".join(r.code for r in verdict.reasons)
            self.report(act.seq, f"the law in force at the time refuses it ({codes})")

    def finish(self, stored_state: CaseState) -> list[Problem]:
        case = self.case
        if self.expected_seq - 1 != case.last_seq:
            self.report(
                None, f"journal has {self.expected_seq - 1} acts, case head says {case.last_seq}"
            )
        if self.prev != case.last_hash:
            self.report(None, "case head hash differs from the last act's hash")
        for name in CaseState.__dataclass_fields__:
            if getattr(self.state, name) != getattr(stored_state, name):
                self.report(None, f"projection differs from the journal in {name}")
        if case.last_seq and next_due(self.state.procedure.clocks) != case.next_due_at:
            self.report(None, "the case's nearest deadline differs from the journal")
        return self.problems
