"""Reads that span several models. The caller has passed the access gate."""

from __future__ import annotations

from dataclasses import dataclass

from tergeu.cases.law import awaiting
from tergeu.cases.models import Case, Deadline, Participant
from tergeu.procedure.engine import Awaiting
from tergeu.procedure.state import from_json


@dataclass(frozen=True)
class CaseDetail:
    participants: list[Participant]
    deadlines: list[Deadline]
    awaiting: list[Awaiting]


def case_detail(case: Case) -> CaseDetail:
    """What the case page and the API detail show besides the case row: a fixed number of
    queries, however long the journal."""
    participants = list(
        Participant.objects.filter(case=case).select_related("person", "legal_entity")
    )
    deadlines = list(
        Deadline.objects.filter(case=case, compartment__isnull=True).order_by("due_at")
    )
    return CaseDetail(
        participants=participants,
        deadlines=deadlines,
        awaiting=awaiting(from_json(case.procedure)),
    )
