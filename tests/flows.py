"""Cases driven through the product's services to a stage, for the court, execution, decision
and supervision tests: judges on duty, a case sent to court, a verdict."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tergeu import clock
from tergeu.accounts.models import Agency, AgencyKind, DutyShift, Official, Role
from tergeu.cases.models import Case
from tergeu.journal.models import Act
from tergeu.journal.services import act_append
from tergeu.persons.services import person_get_or_create
from tergeu.registry.services import case_register
from tests.conftest import VALID_IIN, VALID_IIN_2, World

SUSPECT = f"iin:{VALID_IIN_2}"


def act(case: Case, kind: str, actor: Official, payload: dict[str, Any] | None = None) -> Act:
    return act_append(case=case, kind=kind, actor=actor, payload=payload or {})


def court(world: World, code: str, kind: str, name: str) -> Agency:
    agency, _ = Agency.objects.get_or_create(
        authority_code=code, defaults={"name": name, "kind": kind, "region": world.unit.region}
    )
    return agency


def on_duty(world: World, username: str, role: str, start: datetime, days: float = 90) -> Official:
    """A judge of the region's district court (trial) or investigating court, on duty from
    `start` for `days`."""
    if role == Role.TRIAL_JUDGE:
        where = court(world, "7551", AgencyKind.DISTRICT_COURT, "District court")
    else:
        where = court(world, "7561", AgencyKind.INVESTIGATING_COURT, "Investigating court")
    judge = world.official(username, where, role)
    DutyShift.objects.create(
        court=where, judge=judge, starts_at=start, ends_at=start + timedelta(days=days)
    )
    return judge


def institution(world: World, code: str, kind: str) -> Agency:
    return court(world, code, kind, f"Institution {code}")


def suspect_case(world: World, *, form: str = "preliminary") -> Case:
    """A case of a small-gravity theft accepted for Alice, with a victim and a suspect whose
    recognition Petra agreed to (5 acts)."""
    from tergeu.cases.services import participant_admit

    person_get_or_create(iin=VALID_IIN_2, last_name="Suspect", first_name="S")
    case = case_register(
        actor=world.rita,
        qualification={"article": "188", "part": "1", "offence_category": "small"},
        summary="A wallet taken in a bus",
        investigation_unit=world.unit,
    )
    act(case, "acceptance", world.hector, {"investigator_id": world.alice.pk, "form": form})
    participant_admit(
        case=case, actor=world.alice, role="victim", iin=VALID_IIN, last_name="T", first_name="D"
    )
    act(case, "recognition_as_suspect", world.alice, {"party": SUSPECT, "grounds": "seen"})
    act(case, "decision", world.petra, {"request": case.last_seq, "outcome": "granted"})
    return case


def to_court(world: World, start: datetime) -> Case:
    """A case sent to court on `start`: the investigator's indictment approved by Petra."""
    with clock.frozen(start):
        case = suspect_case(world)
        act(case, "investigation_completed", world.alice)
        act(case, "familiarization_completed", world.alice)
        act(case, "indictment", world.alice)
        act(case, "decision", world.petra, {"request": case.last_seq, "outcome": "granted"})
    assert case.stage == "sent_to_court"
    return case


def to_verdict(world: World, judge: Official, start: datetime, verdict: dict[str, Any]) -> Case:
    """Sent to court on `start`, the trial assigned the next day and opened a week later (after
    the parties' 3 days, however the days off fall), the verdict 10 days after `start`."""
    case = to_court(world, start)
    with clock.frozen(start + timedelta(days=1)):
        act(case, "court_acceptance", judge, {"route": "trial"})
    with clock.frozen(start + timedelta(days=8)):
        act(case, "trial_start", judge)
    with clock.frozen(start + timedelta(days=10)):
        act(case, "verdict", judge, verdict)
    return case


IMPRISONMENT = {"outcome": "conviction", "punishment": "imprisonment", "term_months": 36}
