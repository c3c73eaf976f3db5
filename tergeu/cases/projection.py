"""The case as a plain value, and how each act changes it. Pure: no database, no clock.

`fold(acts)` rebuilds a case from its journal; `act_append` applies one act at a time and stores
the result in the projection tables; `verify_journal` checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from tergeu.cases.models import ParticipantStatus
from tergeu.procedure.state import ProcState


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
    # The penitentiary institution or probation service the execution order was sent to.
    execution_institution_id: int | None = None
    # official id → (capacity, seq of the act that assigned them)
    assigned: Mapping[int, tuple[str, int]] = field(default_factory=dict)
    # (party, role) → list of (status, seq)
    participants: Mapping[tuple[str, str], tuple[tuple[str, int], ...]] = field(
        default_factory=dict
    )
    # The procedure engine's state: it owns the stage and the (agreed) qualification.
    procedure: ProcState = field(default_factory=ProcState)


@dataclass(frozen=True)
class ActFacts:
    """What a projection needs to know of an act."""

    seq: int
    kind: str
    payload: Mapping[str, Any]
    actor_id: int
    actor_role: str


def _registration(state: CaseState, act: ActFacts) -> CaseState:
    p = act.payload
    return replace(
        state,
        register_number=p["register_number"],
        summary=p["summary"],
        investigation_unit_id=p["investigation_unit_id"],
        supervising_office_id=p["supervising_office_id"],
        assigned={act.actor_id: (act.actor_role, act.seq)},
    )


def _acceptance(state: CaseState, act: ActFacts) -> CaseState:
    investigator = act.payload["investigator_id"]
    assigned = {**state.assigned, investigator: ("investigator", act.seq)}
    return replace(
        state,
        lead_investigator_id=investigator,
        assigned=assigned,
    )


def _participant_admission(state: CaseState, act: ActFacts) -> CaseState:
    key = (act.payload["party"], act.payload["role"])
    history = (*state.participants.get(key, ()), (ParticipantStatus.ADMITTED.value, act.seq))
    return replace(state, participants={**state.participants, key: history})


def _jurisdiction_transfer(state: CaseState, act: ActFacts) -> CaseState:
    # The receiving unit must accept the case into production; nobody of the old unit stays on it.
    return replace(
        state,
        investigation_unit_id=act.payload["to_unit_id"],
        supervising_office_id=act.payload["supervising_office_id"],
        lead_investigator_id=None,
        assigned={},
    )


def _procedural_prosecutor(state: CaseState, act: ActFacts) -> CaseState:
    return replace(state, procedural_prosecutor_id=act.payload["prosecutor_id"])


def _execution_order(state: CaseState, act: ActFacts) -> CaseState:
    return replace(state, execution_institution_id=act.payload.get("institution_id"))


def _unchanged(state: CaseState, act: ActFacts) -> CaseState:
    return state


APPLY: dict[str, Callable[[CaseState, ActFacts], CaseState]] = {
    "registration": _registration,
    "acceptance": _acceptance,
    "participant_admission": _participant_admission,
    "jurisdiction_transfer": _jurisdiction_transfer,
    "procedural_prosecutor_assignment": _procedural_prosecutor,
    "execution_order": _execution_order,
    "note": _unchanged,
    "attachment": _unchanged,
}


def apply(state: CaseState, act: ActFacts, procedure: ProcState) -> CaseState:
    """The case after `act`, given the procedure engine's state after it (the engine decides
    the stage, the form and the qualification in force — e.g. only once agreed)."""
    state = APPLY.get(act.kind, _unchanged)(state, act)
    q = procedure.qualification
    return replace(
        state,
        stage=procedure.stage,
        investigation_form=procedure.form,
        qualification_article=q.get("article", ""),
        qualification_part=q.get("part", ""),
        qualification_paragraph=q.get("paragraph", ""),
        offence_category=q.get("offence_category", ""),
        procedure=procedure,
    )
