"""A case reaching the court goes to the trial judge on duty at the district court of its
region, who then sees it and performs the court's acts: here a writ proceeding from the
suspect's motion to the fine's execution, with its 7-day window (629-1 … 629-8)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tergeu import clock
from tergeu.accounts.models import Agency, AgencyKind, DutyShift, Official, Role
from tergeu.cases.models import Case, CourtAssignment
from tergeu.journal.models import Act
from tergeu.journal.services import act_append
from tergeu.journal.verify import verify_case
from tergeu.persons.services import person_get_or_create
from tergeu.procedure.state import from_json
from tests.conftest import VALID_IIN_2, ApiClient, World, open_case
from tests.test_refusals import assert_error

SUSPECT = f"iin:{VALID_IIN_2}"


def court_with_judge(world: World, start: datetime) -> tuple[Official, Official]:
    court = Agency.objects.create(
        name="District court", kind=AgencyKind.DISTRICT_COURT, authority_code="7551",
        region=world.unit.region,
    )  # fmt: skip
    on_duty = world.official("trial", court, Role.TRIAL_JUDGE)
    other = world.official("other_trial", court, Role.TRIAL_JUDGE)
    DutyShift.objects.create(
        court=court, judge=on_duty, starts_at=start, ends_at=start + timedelta(days=60)
    )
    return on_duty, other


def act(case: Case, kind: str, actor: Official, payload: dict[str, Any]) -> Act:
    return act_append(case=case, kind=kind, actor=actor, payload=payload)


def request_of(case: Case, kind: str) -> int:
    state = from_json(Case.objects.get(pk=case.pk).procedure)
    return max(r.seq for r in state.requests.values() if r.kind == kind)


def test_a_writ_proceeding_ends_in_a_fine_after_its_window(world: World) -> None:
    start = clock.now() - timedelta(days=20)
    judge, other = court_with_judge(world, start - timedelta(days=1))
    person_get_or_create(iin=VALID_IIN_2, last_name="Suspect", first_name="S")
    with clock.frozen(start):
        case = open_case(world, notes=0)
        act(case, "recognition_as_suspect", world.alice, {"party": SUSPECT, "grounds": "x"})
        act(case, "decision", world.petra, {"request": case.last_seq, "outcome": "granted"})
        act(case, "writ_motion", world.alice, {"party": SUSPECT, "victim_consent": True})
        act(case, "writ_order", world.alice, {"fine_mrp": 100})
        writ = case.last_seq
        act(case, "decision", world.hector, {"request": writ, "outcome": "granted"})
        act(case, "decision", world.petra, {"request": writ, "outcome": "granted"})
    assert Case.objects.get(pk=case.pk).stage == "writ_review"
    assert CourtAssignment.objects.get(case=case).judge == judge
    # the judge on duty sees the case; the other judge of the court does not
    assert ApiClient(judge).get(f"/cases/{case.pk}").status_code == 200
    assert_error(ApiClient(other).get(f"/cases/{case.pk}"), 404, "case_not_found")
    with clock.frozen(start + timedelta(days=1)):
        act(case, "writ_verdict", judge, {"fine_mrp": 100})
    with clock.frozen(start + timedelta(days=3)):
        early = ApiClient(judge).post(
            f"/cases/{case.pk}/acts", {"kind": "entry_into_force", "payload": {}}
        )
        assert_error(early, 409, "window_open")
    with clock.frozen(start + timedelta(days=10)):
        act(case, "entry_into_force", judge, {})
        act(case, "execution_order", judge, {"punishment": "fine", "fine_mrp": 100})
        act(case, "execution_confirmation", judge, {"place": "paid to the budget"})
    case.refresh_from_db()
    assert case.stage == "closed"
    state = from_json(case.procedure)
    assert state.persons[SUSPECT].status == "convicted"
    assert {c.rule: c.state for c in state.clocks.values() if c.rule in ("R21", "R23", "R83")} == {
        "R21": "met",
        "R23": "met",
        "R83": "met",
    }
    assert verify_case(case) == []
