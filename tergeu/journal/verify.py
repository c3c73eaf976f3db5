"""Checking a case's journal: gap-free sequence, intact canonical bytes, hashes and chain, and a
projection equal to the journal folded through the act kinds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tergeu.cases import law
from tergeu.cases.models import Case
from tergeu.cases.projection import ActFacts, CaseState
from tergeu.cases.store import states_load
from tergeu.journal.canonical import GENESIS_HASH, act_document, sha256_hex
from tergeu.journal.models import Act


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
    acts = Act.objects.filter(case_id__in=by_id).order_by("case_id", "seq").only(*ACT_COLUMNS)
    for act in acts.iterator(chunk_size=5000):
        checks[act.case_id].add(act)
    problems: list[Problem] = []
    for pk, check in checks.items():
        problems.extend(check.finish(stored[pk]))
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
        stored = bytes(act.canonical)
        rebuilt = act_document(
            register_number=self.case.register_number,
            seq=act.seq,
            kind=act.kind,
            payload=act.payload,
            actor_id=act.actor_id,
            actor_role=act.actor_role,
            performed_at=act.performed_at,
            recorded_at=act.recorded_at,
            prev_hash=act.prev_hash,
        )
        if rebuilt != stored:
            self.report(act.seq, "recorded fields differ from the canonical bytes that were hashed")
        if sha256_hex(stored) != act.hash:
            self.report(act.seq, "hash does not match the canonical bytes")
        if act.prev_hash != self.prev:
            self.report(act.seq, "hash chain broken: prev_hash is not the previous act's hash")
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
        return self.problems
