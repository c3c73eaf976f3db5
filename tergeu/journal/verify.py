"""Checking a case's journal: gap-free sequence, intact canonical bytes, hashes and chain, and a
projection equal to the journal folded through the act kinds."""

from __future__ import annotations

from dataclasses import dataclass

from tergeu.cases.models import Case
from tergeu.cases.projection import ActFacts, CaseState, apply
from tergeu.cases.store import state_load
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


def verify_case(case: Case) -> list[Problem]:
    """Every problem found in `case`'s journal and projection (empty when all is well)."""
    problems: list[Problem] = []

    def report(seq: int | None, what: str) -> None:
        problems.append(Problem(case.register_number, seq, what))

    state, expected_seq, prev = CaseState(), 1, GENESIS_HASH
    acts = (
        Act.objects.filter(case=case)
        .order_by("seq")
        .only(
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
    )
    for act in acts.iterator(chunk_size=2000):
        if act.seq != expected_seq:
            report(act.seq, f"sequence gap: expected {expected_seq}")
        stored = bytes(act.canonical)
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
        )
        if rebuilt != stored:
            report(act.seq, "recorded fields differ from the canonical bytes that were hashed")
        if sha256_hex(stored) != act.hash:
            report(act.seq, "hash does not match the canonical bytes")
        if act.prev_hash != prev:
            report(act.seq, "hash chain broken: prev_hash is not the previous act's hash")
        prev, expected_seq = act.hash, act.seq + 1
        try:
            state = apply(
                state, ActFacts(act.seq, act.kind, act.payload, act.actor_id, act.actor_role)
            )
        except (KeyError, TypeError, ValueError) as exc:
            report(act.seq, f"cannot be applied: {exc!r}")
    if expected_seq - 1 != case.last_seq:
        report(None, f"journal has {expected_seq - 1} acts, case head says {case.last_seq}")
    if prev != case.last_hash:
        report(None, "case head hash differs from the last act's hash")
    stored_state = state_load(case)
    for name in CaseState.__dataclass_fields__:
        if getattr(state, name) != getattr(stored_state, name):
            report(None, f"projection differs from the journal in {name}")
    return problems
