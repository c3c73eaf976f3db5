"""Loading a case's projection as a `CaseState` and storing a new state back. The reads cost the
same however long the journal is: they touch the case row, its assignments and participants."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tergeu.cases.clocks import clocks_store, next_due
from tergeu.cases.models import Case, CaseAssignment, Participant, ParticipantStatusChange
from tergeu.cases.projection import CaseState
from tergeu.procedure.state import from_json, to_json

CASE_FIELDS = (
    "register_number",
    "stage",
    "summary",
    "qualification_article",
    "qualification_part",
    "qualification_paragraph",
    "offence_category",
    "investigation_form",
    "investigation_unit_id",
    "supervising_office_id",
    "lead_investigator_id",
    "procedural_prosecutor_id",
    "execution_institution_id",
)


def state_load(case: Case) -> CaseState:
    """The stored projection of `case` as a plain value."""
    if case.last_seq == 0:
        return CaseState()
    return states_load([case])[case.pk]


def states_load(cases: Sequence[Case]) -> dict[int, CaseState]:
    """The stored projections of several cases, in two queries whatever their number."""
    ids = [c.pk for c in cases]
    assigned: dict[int, dict[int, tuple[str, int]]] = {pk: {} for pk in ids}
    rows = CaseAssignment.objects.filter(case_id__in=ids).values_list(
        "case_id", "official_id", "role", "since_seq"
    )
    for case_id, official_id, role, since_seq in rows:
        assigned[case_id][official_id] = (role, since_seq)
    participants: dict[int, dict[tuple[str, str], list[tuple[str, int]]]] = {pk: {} for pk in ids}
    changes = ParticipantStatusChange.objects.filter(participant__case_id__in=ids).values_list(
        "participant__case_id", "participant__party", "participant__role", "status", "seq"
    )
    for case_id, party, role, status, seq in changes.order_by("seq"):
        participants[case_id].setdefault((party, role), []).append((status, seq))
    return {
        case.pk: CaseState(
            **{name: getattr(case, name) for name in CASE_FIELDS},
            assigned=assigned[case.pk],
            participants={key: tuple(h) for key, h in participants[case.pk].items()},
            procedure=from_json(case.procedure),
        )
        if case.last_seq
        else CaseState()
        for case in cases
    }


def state_store(
    case: Case,
    old: CaseState,
    new: CaseState,
    *,
    at: datetime,
    also: tuple[str, ...] = (),
    case_row: bool = True,
) -> None:
    """Write the difference between `old` and `new` to the projection tables. `also`: further
    case columns already set on `case` that go out in the same UPDATE (the journal head).
    `case_row=False`: the case row was just inserted in its new state."""
    changed = [name for name in CASE_FIELDS if getattr(old, name) != getattr(new, name)]
    if old.procedure != new.procedure:
        case.procedure = to_json(new.procedure)
        changed.append("procedure")
    if old.procedure.clocks != new.procedure.clocks:
        nearest = next_due(new.procedure.clocks)
        if nearest != case.next_due_at:
            case.next_due_at = nearest
            changed.append("next_due_at")
    if case_row and (changed or also):
        for name in changed:
            if name not in ("procedure", "next_due_at"):
                setattr(case, name, getattr(new, name))
        case.save(update_fields=[*changed, *also])
    if old.procedure.requests != new.procedure.requests:
        from tergeu.cases.awaited import awaited_store

        awaited_store(case, old.procedure, new.procedure, at=at)
    if old.procedure.stage != new.procedure.stage:
        from tergeu.cases.awaited import court_assign

        court_assign(case, old.procedure, new.procedure, at=at)
    if old.procedure.clocks != new.procedure.clocks:
        officials = {
            "lead_investigator_id": new.lead_investigator_id,
            "procedural_prosecutor_id": new.procedural_prosecutor_id,
        }
        clocks_store(case.pk, old.procedure.clocks, new.procedure.clocks, officials=officials)
    if old.assigned != new.assigned:
        gone = set(old.assigned) - set(new.assigned)
        if gone:
            CaseAssignment.objects.filter(case=case, official_id__in=gone).delete()
        for official_id, (role, seq) in new.assigned.items():
            if official_id not in old.assigned:
                CaseAssignment.objects.create(
                    case=case, official_id=official_id, role=role, since_seq=seq
                )
            elif old.assigned[official_id] != (role, seq):
                CaseAssignment.objects.filter(case=case, official_id=official_id).update(
                    role=role, since_seq=seq
                )
    for key, history in new.participants.items():
        before = old.participants.get(key, ())
        if history == before:
            continue
        party, role = key
        participant = Participant.objects.filter(case=case, party=party, role=role).first()
        if participant is None:
            participant = Participant.objects.create(
                case=case,
                party=party,
                role=role,
                status=history[-1][0],
                since_seq=history[0][1],
                **_party_fk(party),
            )
        else:
            participant.status = history[-1][0]
            participant.save(update_fields=["status"])
        for status, seq in history[len(before) :]:
            ParticipantStatusChange.objects.create(
                participant=participant, status=status, seq=seq, at=at
            )


def _party_fk(party: str) -> dict[str, object]:
    from tergeu.persons.models import LegalEntity, Person

    scheme, number = party.split(":", 1)
    if scheme == "iin":
        return {"person": Person.objects.get(iin=number)}
    return {"legal_entity": LegalEntity.objects.get(bin=number)}
