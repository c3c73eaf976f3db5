"""The case as a plain value, and how each act changes it. Pure: no database, no clock.

`fold(acts)` rebuilds a case from its journal; `act_append` applies one act at a time and stores
the result in the projection tables; `verify_journal` checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from tergeu.cases.models import ParticipantStatus, Stage


@dataclass(frozen=True)
class CaseState:
    register_number: str = ""
    stage: str = ""
    summary: str = ""
    qualification_article: str = ""
    qualification_part: str = ""
    qualification_paragraph: str = ""
    offence_category: str = ""
    investigation_form: str = ""
    investigation_unit_id: int | None = None
    supervising_office_id: int | None = None
    lead_investigator_id: int | None = None
    procedural_prosecutor_id: int | None = None
    # official id → (capacity, seq of the act that assigned them)
    assigned: Mapping[int, tuple[str, int]] = field(default_factory=dict)
    # (party, role) → list of (status, seq)
    participants: Mapping[tuple[str, str], tuple[tuple[str, int], ...]] = field(
        default_factory=dict
    )


@dataclass(frozen=True)
class ActFacts:
    """What a projection needs to know of an act."""

    seq: int
    kind: str
    payload: Mapping[str, Any]
    actor_id: int
    actor_role: str


def _qualification(state: CaseState, q: Mapping[str, Any]) -> CaseState:
    return replace(
        state,
        qualification_article=q["article"],
        qualification_part=q.get("part", ""),
        qualification_paragraph=q.get("paragraph", ""),
        offence_category=q["offence_category"],
    )


def _registration(state: CaseState, act: ActFacts) -> CaseState:
    p = act.payload
    state = replace(
        state,
        register_number=p["register_number"],
        stage=Stage.REGISTERED,
        summary=p["summary"],
        investigation_unit_id=p["investigation_unit_id"],
        supervising_office_id=p["supervising_office_id"],
        assigned={act.actor_id: (act.actor_role, act.seq)},
    )
    return _qualification(state, p["qualification"])


def _acceptance(state: CaseState, act: ActFacts) -> CaseState:
    investigator = act.payload["investigator_id"]
    assigned = {**state.assigned, investigator: ("investigator", act.seq)}
    return replace(
        state,
        stage=Stage.UNDER_INVESTIGATION,
        investigation_form=act.payload["form"],
        lead_investigator_id=investigator,
        assigned=assigned,
    )


def _qualification_act(state: CaseState, act: ActFacts) -> CaseState:
    return _qualification(state, act.payload)


def _participant_admission(state: CaseState, act: ActFacts) -> CaseState:
    key = (act.payload["party"], act.payload["role"])
    history = (*state.participants.get(key, ()), (ParticipantStatus.ADMITTED.value, act.seq))
    return replace(state, participants={**state.participants, key: history})


def _jurisdiction_transfer(state: CaseState, act: ActFacts) -> CaseState:
    # The receiving unit must accept the case into production; nobody of the old unit stays on it.
    return replace(
        state,
        stage=Stage.REGISTERED,
        investigation_unit_id=act.payload["to_unit_id"],
        supervising_office_id=act.payload["supervising_office_id"],
        lead_investigator_id=None,
        assigned={},
    )


def _procedural_prosecutor(state: CaseState, act: ActFacts) -> CaseState:
    return replace(state, procedural_prosecutor_id=act.payload["prosecutor_id"])


def _unchanged(state: CaseState, act: ActFacts) -> CaseState:
    return state


APPLY: dict[str, Callable[[CaseState, ActFacts], CaseState]] = {
    "registration": _registration,
    "acceptance": _acceptance,
    "qualification": _qualification_act,
    "participant_admission": _participant_admission,
    "jurisdiction_transfer": _jurisdiction_transfer,
    "procedural_prosecutor_assignment": _procedural_prosecutor,
    "note": _unchanged,
    "attachment": _unchanged,
}


def apply(state: CaseState, act: ActFacts) -> CaseState:
    return APPLY[act.kind](state, act)


def fold(acts: Iterable[ActFacts]) -> CaseState:
    state = CaseState()
    for act in acts:
        state = apply(state, act)
    return state
