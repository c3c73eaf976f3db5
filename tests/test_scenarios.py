"""Three cases from the report to the closed case, every step through the API as the official
whose step it is, with the law's clocks running on the days the steps happen:

(a) a grave crime: detention → custody sanctioned → a covert action sanctioned and extended →
    indictment → court → imprisonment → execution confirmed by the colony;
(b) a writ proceeding ending in a fine after the 7-day window;
(c) a custody motion refused, the suspect released, then a termination approved by the
    prosecutor, the victim sent a copy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest

from tergeu import clock
from tergeu.accounts.models import Agency, AgencyKind, DutyShift, Official, Role
from tergeu.cases.models import Case, Compartment
from tergeu.journal.verify import verify_case
from tergeu.procedure.state import from_json
from tests.conftest import VALID_IIN, VALID_IIN_2, ApiClient, World

SUSPECT = f"iin:{VALID_IIN_2}"
VICTIM = f"iin:{VALID_IIN}"


def hours(n: int) -> timedelta:
    return timedelta(hours=n)


def days(n: int) -> timedelta:
    return timedelta(days=n)


class Scenario:
    """One case worked through the API by the officials of `world`, on a clock that moves only
    when the scenario says so (`at`)."""

    def __init__(self, world: World, start: datetime) -> None:
        self.world = world
        self.start = start
        self.now = start
        self.clients: dict[int, ApiClient] = {}
        region = world.unit.region
        investigating = Agency.objects.create(
            name="Specialised investigating court", kind=AgencyKind.INVESTIGATING_COURT,
            authority_code="7561", region=region,
        )  # fmt: skip
        district = Agency.objects.create(
            name="District court", kind=AgencyKind.DISTRICT_COURT, authority_code="7551",
            region=region,
        )  # fmt: skip
        self.judge = world.official("julia", investigating, Role.INVESTIGATING_JUDGE)
        self.trial_judge = world.official("tomiris", district, Role.TRIAL_JUDGE)
        for court, judge in ((investigating, self.judge), (district, self.trial_judge)):
            DutyShift.objects.create(
                court=court, judge=judge, starts_at=start - timedelta(days=1),
                ends_at=start + timedelta(days=400),
            )  # fmt: skip
        self.case_id = 0

    def client(self, who: Official) -> ApiClient:
        if who.pk not in self.clients:
            self.clients[who.pk] = ApiClient(who)
        return self.clients[who.pk]

    @contextmanager
    def at(self, offset: timedelta) -> Iterator[None]:
        self.now = self.start + offset
        with clock.frozen(self.now):
            yield

    def register(self, qualification: dict[str, str]) -> None:
        rita = self.client(self.world.rita)
        report = rita.post(
            "/reports",
            {
                "agency_id": self.world.unit.pk,
                "source": "written_statement",
                "summary": "Robbery of a shop on Abay avenue",
                "applicant": {"iin": VALID_IIN, "last_name": "Testov", "first_name": "Demo"},
                "event_place": "Abay ave 10",
            },
        )
        assert report.status_code == 201, report.json()
        decided = rita.post(
            f"/reports/{report.json()['id']}/decision",
            {"decision": "register", "qualification": qualification},
        )
        assert decided.status_code == 200, decided.json()
        self.case_id = decided.json()["case_id"]

    def act(
        self,
        who: Official,
        kind: str,
        payload: dict[str, Any],
        *,
        compartment: int = 0,
        **extra: Any,
    ) -> dict[str, Any]:
        where = f"/compartments/{compartment}" if compartment else ""
        response = self.client(who).post(
            f"/cases/{self.case_id}{where}/acts", {"kind": kind, "payload": payload, **extra}
        )
        assert response.status_code == 201, (kind, response.json())
        result: dict[str, Any] = response.json()
        return result

    def decide(self, who: Official, request: int, outcome: str = "granted", **more: Any) -> None:
        self.act(who, "decision", {"request": request, "outcome": outcome, **more})

    def refused(self, who: Official, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = self.client(who).post(
            f"/cases/{self.case_id}/acts", {"kind": kind, "payload": payload}
        )
        assert response.status_code >= 400, (kind, response.json())
        error: dict[str, Any] = response.json()["error"]
        return error

    @property
    def case(self) -> Case:
        return Case.objects.get(pk=self.case_id)

    def clocks(self, *rules: str) -> dict[str, str]:
        state = from_json(self.case.procedure)
        return {c.rule: c.state for c in state.clocks.values() if c.rule in rules}

    def iso(self, offset: timedelta) -> str:
        return (self.start + offset).isoformat()

    def admit(self, role: str, iin: str, last_name: str, **more: Any) -> None:
        person = {"iin": iin, "last_name": last_name, "first_name": "Demo"}
        self.act(self.world.alice, "participant_admission", {"role": role, **more}, person=person)

    def open_investigation(self, form: str) -> None:
        world = self.world
        self.act(world.hector, "acceptance", {"investigator_id": world.alice.pk, "form": form})
        self.act(world.petra, "procedural_prosecutor_assignment", {"prosecutor_id": world.petra.pk})
        self.admit("suspect", VALID_IIN_2, "Suspectov")

    def recognise_suspect(self) -> None:
        recognised = self.act(
            self.world.alice, "recognition_as_suspect", {"party": SUSPECT, "grounds": "witnesses"}
        )
        self.decide(self.world.petra, recognised["seq"])
        self.act(self.world.alice, "suspect_interrogation", {"party": SUSPECT, "summary": "-"})

    def detain(self, detained_at: timedelta) -> None:
        detention = {
            "party": SUSPECT,
            "detained_at": self.iso(detained_at),
            "minor": False,
            "grounds": "caught at the scene",
        }
        self.act(self.world.alice, "detention", detention)
        self.act(self.world.alice, "detention_notice", {"party": SUSPECT})

    def custody_motion(self) -> int:
        motion = self.act(
            self.world.alice, "custody_motion", {"party": SUSPECT, "grounds": "may flee"}
        )
        self.decide(self.world.hector, motion["seq"])
        self.decide(self.world.petra, motion["seq"])
        seq: int = motion["seq"]
        return seq


@pytest.fixture
def scenario(world: World) -> Scenario:
    return Scenario(world, clock.now() - timedelta(days=60))


def test_a_grave_crime_from_detention_to_imprisonment(scenario: Scenario) -> None:
    s, world = scenario, scenario.world
    with s.at(hours(0)):
        s.register({"article": "192", "part": "3", "offence_category": "grave"})
        s.open_investigation("preliminary")
    with s.at(hours(2)):
        s.detain(detained_at=hours(1))  # the detained person is a suspect (art. 64)
        s.act(world.alice, "suspect_interrogation", {"party": SUSPECT, "summary": "-"})
    with s.at(hours(20)):
        motion = s.custody_motion()
    with s.at(hours(26)):
        s.decide(s.judge, motion, until=s.iso(days(60)))
    assert s.clocks("R39", "R42") == {"R39": "met", "R42": "met"}
    assert from_json(s.case.procedure).persons[SUSPECT].custody_until is not None

    # The covert action: requested, sanctioned for 30 days, extended, ended, reported.
    with s.at(days(2)):
        opened = s.act(
            world.alice,
            "covert_action",
            {"target": SUSPECT, "item": 2, "grounds": "telephone contacts"},
        )
        number = opened["compartment"]
        s.act(
            s.judge,
            "decision",
            {"request": opened["seq"], "outcome": "granted", "until": s.iso(days(30))},
            compartment=number,
        )
    with s.at(days(25)):
        extension = s.act(
            world.alice,
            "covert_extension",
            {"covert": opened["seq"], "until": s.iso(days(55)), "grounds": "new contacts"},
            compartment=number,
        )
        s.act(
            s.judge,
            "decision",
            {"request": extension["seq"], "outcome": "granted", "until": s.iso(days(55))},
            compartment=number,
        )
    with s.at(days(40)):
        s.act(world.alice, "covert_end", {"covert": opened["seq"]}, compartment=number)
        s.act(world.alice, "covert_report", {"covert": opened["seq"]}, compartment=number)
    compartment = Compartment.objects.get(case_id=s.case_id)
    assert dict(compartment.deadlines.values_list("rule", "state")) == {
        "R60": "met",
        "R62": "met",
        "R62M": "met",
        "R63": "met",
    }

    # The indictment, approved by the prosecutor, sends the case to court.
    with s.at(days(45)):
        s.act(world.alice, "investigation_completed", {})
    with s.at(days(47)):
        s.act(world.alice, "familiarization_completed", {})
        indictment = s.act(world.alice, "indictment", {})
        s.decide(world.petra, indictment["seq"])
    assert s.case.stage == "sent_to_court"
    with s.at(days(49)):
        s.act(s.trial_judge, "court_acceptance", {"route": "trial"})
    with s.at(days(55)):
        s.act(s.trial_judge, "trial_start", {})
        s.act(
            s.trial_judge,
            "verdict",
            {"outcome": "conviction", "punishment": "imprisonment", "term_months": 60},
        )
    with s.at(days(58)):
        early = s.refused(s.trial_judge, "entry_into_force", {})
        assert early["code"] == "window_open"
    colony = Agency.objects.create(
        name="Colony 7591", kind=AgencyKind.PENITENTIARY, authority_code="7591",
        region=world.unit.region,
    )  # fmt: skip
    warden = world.official("warden", colony, Role.PENITENTIARY_OFFICER)
    with s.at(days(71)):
        s.act(s.trial_judge, "entry_into_force", {})
        s.act(
            s.trial_judge,
            "execution_order",
            {"punishment": "imprisonment", "term_months": 60, "institution_id": colony.pk},
        )
    with s.at(days(72)):
        s.act(warden, "execution_confirmation", {"place": "colony 7591, Almaty oblast"})
    case = s.case
    assert case.stage == "closed"
    assert from_json(case.procedure).persons[SUSPECT].status == "convicted"
    assert verify_case(case) == []
    # The case's journal holds none of the covert acts, and no gap where they were recorded.
    journal = s.client(world.alice).get(f"/cases/{case.pk}/acts", limit=500).json()["acts"]
    assert not [a for a in journal if a["kind"].startswith("covert")]
    assert [a["seq"] for a in journal] == list(range(1, case.last_seq + 1))


def test_a_writ_proceeding_ends_in_a_fine_after_the_7_day_window(scenario: Scenario) -> None:
    s, world = scenario, scenario.world
    with s.at(days(0)):
        s.register({"article": "188", "part": "1", "offence_category": "small"})
        s.open_investigation("inquiry")
        s.recognise_suspect()
    with s.at(days(3)):
        s.act(world.alice, "writ_motion", {"party": SUSPECT, "victim_consent": True})
        writ = s.act(world.alice, "writ_order", {"fine_mrp": 100})
        s.decide(world.hector, writ["seq"])
        s.decide(world.petra, writ["seq"])
    assert s.case.stage == "writ_review"
    with s.at(days(5)):
        s.act(s.trial_judge, "writ_verdict", {"fine_mrp": 100})
    with s.at(days(9)):
        # Within the 7 days the parties may still disagree: the verdict is not yet in force.
        assert s.refused(s.trial_judge, "entry_into_force", {})["code"] == "window_open"
    bailiffs = Agency.objects.create(
        name="Bailiff service", kind=AgencyKind.BAILIFF, authority_code="7581",
        region=world.unit.region,
    )  # fmt: skip
    bailiff = world.official("bailiff", bailiffs, Role.BAILIFF)
    with s.at(days(13)):
        s.act(s.trial_judge, "entry_into_force", {})
        s.act(
            s.trial_judge,
            "execution_order",
            {"punishment": "fine", "fine_mrp": 100, "institution_id": bailiffs.pk},
        )
    with s.at(days(20)):
        s.act(bailiff, "execution_confirmation", {"place": "fine paid to the budget"})
    case = s.case
    assert case.stage == "closed"
    assert from_json(case.procedure).persons[SUSPECT].status == "convicted"
    assert s.clocks("R21", "R23") == {"R21": "met", "R23": "met"}
    assert verify_case(case) == []


def test_custody_refused_release_then_termination_with_the_victim_told(
    scenario: Scenario,
) -> None:
    s, world = scenario, scenario.world
    with s.at(hours(0)):
        s.register({"article": "188", "part": "2", "offence_category": "medium"})
        s.open_investigation("preliminary")
        s.admit("victim", VALID_IIN, "Testov", email="victim@example.kz")
    with s.at(hours(2)):
        s.detain(detained_at=hours(1))
    with s.at(hours(20)):
        motion = s.custody_motion()
    with s.at(hours(30)):
        s.decide(s.judge, motion, "refused", reasons="no risk of flight shown")
        s.act(world.alice, "release", {"party": SUSPECT, "grounds": "custody refused"})
    assert s.clocks("R39") == {"R39": "met"}
    person = from_json(s.case.procedure).persons[SUSPECT]
    assert person.detained_at is None
    assert person.custody_until is None
    with s.at(days(20)):
        termination = s.act(
            world.alice, "termination", {"ground": "no corpus delicti", "rehabilitating": True}
        )
    with s.at(days(22)):
        s.decide(world.petra, termination["seq"])
    case = s.case
    assert case.stage == "terminated"
    assert verify_case(case) == []
    # The victim is sent a copy of the termination (art. 288) through the outbox.
    from django.core import mail

    from tergeu.notifications.outbox import outbox_deliver

    outbox_deliver()
    assert any("victim@example.kz" in m.to for m in mail.outbox)
