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
from tests import flows
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
        bailiffs = Agency.objects.create(
            name="Bailiffs", kind=AgencyKind.BAILIFF, authority_code="7596",
            region=world.unit.region,
        )  # fmt: skip
        order = {"punishment": "fine", "fine_mrp": 100, "institution_id": bailiffs.pk}
        act(case, "execution_order", judge, order)
        bailiff = world.official("bailiff", bailiffs, Role.BAILIFF)
        act(case, "execution_confirmation", bailiff, {"place": "paid to the budget"})
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


# --- the trial, the verdict, the appeal and the execution (arts 319–322, 392–394, 418–431, 470) ---


def post(client: ApiClient, case: Case, kind: str, payload: dict[str, Any] | None = None) -> Any:
    return client.post(f"/cases/{case.pk}/acts", {"kind": kind, "payload": payload or {}})


def clocks(case: Case) -> dict[str, str]:
    state = from_json(Case.objects.get(pk=case.pk).procedure)
    return {c.rule: c.state for c in state.clocks.values()}


def test_a_trial_ends_in_imprisonment_executed_by_a_colony(world: World) -> None:
    start = clock.now() - timedelta(days=60)
    judge = flows.on_duty(world, "trial", Role.TRIAL_JUDGE, start - timedelta(days=1))
    case = flows.to_court(world, start)
    court = ApiClient(judge)
    with clock.frozen(start + timedelta(days=1)):
        # a trial later than 15 days is exceptional and gives its reasons (322(4))
        late = post(court, case, "court_acceptance", {"route": "trial", "exceptional": True})
        assert_error(late, 409, "reasons_required")
        assert post(court, case, "court_acceptance", {"route": "trial"}).status_code == 201
    with clock.frozen(start + timedelta(days=2)):
        assert_error(post(court, case, "trial_start"), 409, "trial_too_early")
    with clock.frozen(start + timedelta(days=8)):
        assert post(court, case, "trial_start").status_code == 201
    with clock.frozen(start + timedelta(days=10)):
        no_punishment = post(court, case, "verdict", {"outcome": "conviction"})
        assert_error(no_punishment, 409, "punishment_required")
        no_term = post(
            court, case, "verdict", {"outcome": "conviction", "punishment": "imprisonment"}
        )
        assert_error(no_term, 409, "measure_required")
        acquittal_with_fine = post(court, case, "verdict", {"outcome": "acquittal", "fine_mrp": 5})
        assert_error(acquittal_with_fine, 409, "punishment_not_allowed")
        assert post(court, case, "verdict", flows.IMPRISONMENT).status_code == 201
    with clock.frozen(start + timedelta(days=15)):
        assert_error(post(court, case, "entry_into_force"), 409, "window_open")
    colony = flows.institution(world, "7591", AgencyKind.PENITENTIARY)
    probation = flows.institution(world, "7595", AgencyKind.PROBATION)
    with clock.frozen(start + timedelta(days=30)):
        assert post(court, case, "entry_into_force").status_code == 201
        order = {**flows.IMPRISONMENT, "institution_id": probation.pk}
        del order["outcome"]
        assert_error(post(court, case, "execution_order", order), 422, "institution_mismatch")
        order["institution_id"] = colony.pk
        assert post(court, case, "execution_order", order).status_code == 201
    warden = world.official("warden", colony, Role.PENITENTIARY_OFFICER)
    with clock.frozen(start + timedelta(days=32)):
        assert_error(
            post(ApiClient(warden), case, "execution_confirmation"), 422, "invalid_payload"
        )
        confirmed = post(
            ApiClient(warden), case, "execution_confirmation", {"place": "colony 7591"}
        )
        assert confirmed.status_code == 201, confirmed.json()
    case.refresh_from_db()
    assert case.stage == "closed"
    state = from_json(case.procedure)
    assert state.sentence == {"punishment": "imprisonment", "term_months": 36}
    assert state.persons[SUSPECT].status == "convicted"
    assert {r: s for r, s in clocks(case).items() if r in ("R76", "R78", "R78N", "R80", "R83")} == {
        "R76": "met",
        "R78": "met",
        "R78N": "met",
        "R80": "met",
        "R83": "met",
    }
    assert verify_case(case) == []


def test_an_acquittal_is_not_executed_and_the_proceedings_end(world: World) -> None:
    start = clock.now() - timedelta(days=60)
    judge = flows.on_duty(world, "trial", Role.TRIAL_JUDGE, start - timedelta(days=1))
    case = flows.to_verdict(world, judge, start, {"outcome": "acquittal"})
    court = ApiClient(judge)
    with clock.frozen(start + timedelta(days=30)):
        assert post(court, case, "entry_into_force").status_code == 201
        colony = flows.institution(world, "7591", AgencyKind.PENITENTIARY)
        order = {"punishment": "imprisonment", "term_months": 1, "institution_id": colony.pk}
        assert_error(post(court, case, "execution_order", order), 409, "no_sentence")
        assert post(court, case, "case_closure").status_code == 201
    case.refresh_from_db()
    assert case.stage == "closed"
    assert from_json(case.procedure).persons[SUSPECT].status == "acquitted"
    assert "R83" not in clocks(case)  # nothing to execute: no execution-order clock
    assert verify_case(case) == []


def test_the_proceedings_of_a_conviction_end_with_its_execution(world: World) -> None:
    start = clock.now() - timedelta(days=60)
    judge = flows.on_duty(world, "trial", Role.TRIAL_JUDGE, start - timedelta(days=1))
    case = flows.to_verdict(world, judge, start, flows.IMPRISONMENT)
    with clock.frozen(start + timedelta(days=30)):
        assert post(ApiClient(judge), case, "entry_into_force").status_code == 201
        refused = post(ApiClient(judge), case, "case_closure")
    assert_error(refused, 409, "sentence_to_execute")


def test_a_quashed_verdict_goes_back_for_a_new_trial(world: World) -> None:
    start = clock.now() - timedelta(days=60)
    judge = flows.on_duty(world, "trial", Role.TRIAL_JUDGE, start - timedelta(days=1))
    case = flows.to_verdict(world, judge, start, flows.IMPRISONMENT)
    court = ApiClient(judge)
    with clock.frozen(start + timedelta(days=12)):
        assert post(ApiClient(world.petra), case, "appeal", {"by": "prosecutor"}).status_code == 201
    with clock.frozen(start + timedelta(days=30)):
        with_sentence = {"outcome": "quashed", "punishment": "fine", "fine_mrp": 5}
        assert_error(
            post(court, case, "appeal_decision", with_sentence), 409, "punishment_not_allowed"
        )
        assert post(court, case, "appeal_decision", {"outcome": "quashed"}).status_code == 201
    case.refresh_from_db()
    state = from_json(case.procedure)
    assert (case.stage, state.persons[SUSPECT].status, state.sentence) == (
        "sent_to_court",
        "accused",
        {},
    )
    assert clocks(case)["R76N"] == "running"  # the court accepts it again within 5 days
    with clock.frozen(start + timedelta(days=31)):
        assert post(court, case, "court_acceptance", {"route": "trial"}).status_code == 201
    assert clocks(case)["R76N"] == "met"
    assert verify_case(Case.objects.get(pk=case.pk)) == []


def test_an_appeal_changing_the_sentence_is_what_is_executed(world: World) -> None:
    start = clock.now() - timedelta(days=60)
    judge = flows.on_duty(world, "trial", Role.TRIAL_JUDGE, start - timedelta(days=1))
    case = flows.to_verdict(world, judge, start, flows.IMPRISONMENT)
    court = ApiClient(judge)
    probation = flows.institution(world, "7595", AgencyKind.PROBATION)
    with clock.frozen(start + timedelta(days=12)):
        assert post(ApiClient(world.petra), case, "appeal", {"by": "convict"}).status_code == 201
    with clock.frozen(start + timedelta(days=30)):
        changed = {"outcome": "changed", "punishment": "restriction_of_liberty", "term_months": 24}
        assert post(court, case, "appeal_decision", changed).status_code == 201
        old = {"punishment": "imprisonment", "term_months": 36, "institution_id": probation.pk}
        assert_error(post(court, case, "execution_order", old), 409, "sentence_mismatch")
        new = {
            "punishment": "restriction_of_liberty",
            "term_months": 24,
            "institution_id": probation.pk,
        }
        assert post(court, case, "execution_order", new).status_code == 201
    # the probation service the order went to sees the case and confirms
    officer = world.official("probation", probation, Role.PROBATION_OFFICER)
    confirmed = post(
        ApiClient(officer), case, "execution_confirmation", {"place": "Almaly probation"}
    )
    assert confirmed.status_code == 201, confirmed.json()
    assert Case.objects.get(pk=case.pk).stage == "closed"
    assert verify_case(Case.objects.get(pk=case.pk)) == []
