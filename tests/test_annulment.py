"""The prosecutor annuls an unlawful decision of the body (art. 193): an act of kind `annulment`
naming the annulled act with reasons. The pack's `[[annul]]` entries say which decisions may be
annulled and what annulling each does (docs/prosecutor.md).

First the engine (pure, table-driven): the decisions annulled and what follows, the refusals;
then through the API: the journal marks the annulled act, refusals write nothing, and only the
supervising prosecutor may annul."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tergeu.accounts.models import Official
from tergeu.cases.models import Awaited, Case, Deadline
from tergeu.journal.models import Act
from tergeu.journal.services import act_append
from tergeu.journal.verify import verify_case
from tergeu.notifications.models import Notification
from tergeu.persons.services import person_get_or_create
from tergeu.procedure.engine import fold
from tergeu.procedure.state import from_json, to_json
from tests.conftest import VALID_IIN_2, ApiClient, World, open_case
from tests.procedure.helpers import ADULT, PACK, Step, decide, detention, opening, suspect
from tests.procedure.helpers import Case as EngineCase
from tests.test_refusals import assert_error

REASONS = {"reasons": "no evidence of the person's involvement"}


def annul(seq: int, when: str) -> Step:
    return Step("annulment", "prosecutor", when, {"act": seq, **REASONS})


def qualify(when: str, category: str, article: str = "188") -> Step:
    payload = {"article": article, "offence_category": category}
    return Step("qualification", "investigator", when, payload)


def played(steps: list[Step]) -> EngineCase:
    case = EngineCase()
    case.play(steps)
    return case


def assert_rebuilt(case: EngineCase) -> None:
    assert fold(PACK, case.proposals) == case.state
    assert from_json(to_json(case.state)) == case.state


# --- the engine -----------------------------------------------------------------------------------


def test_a_recognition_annulled_ends_the_suspicion_and_spoils_the_interrogation() -> None:
    case = played(
        [
            *opening("2026-11-02 10:00"),
            suspect(ADULT, "2026-11-03 10:00"),  # 3
            decide("prosecutor", "2026-11-03 11:00"),  # 4: agreed
            Step("suspect_interrogation", "investigator", "2026-11-03 12:00", {"party": ADULT}),
        ]
    )
    assert case.state.person(ADULT).status == "suspect"
    verdict = case.act("annulment", "prosecutor", {"act": 3, **REASONS}, "2026-11-05 10:00")
    assert verdict.events == ("annulment", "recognition_as_suspect.annulled")
    person = case.state.person(ADULT)
    assert (person.status, person.inadmissible) == ("none", (5,))
    assert case.state.annulled == {3: 6}
    assert_rebuilt(case)


def test_before_384_vi_the_investigator_s_recognition_is_annulled_too() -> None:
    case = played([*opening("2019-03-01 10:00"), suspect(ADULT, "2019-03-04 10:00")])
    assert case.state.rulings[3].kind == "recognition_as_suspect"  # in force at once
    case.play([annul(3, "2019-03-05 10:00")])
    assert case.state.person(ADULT).status == "none"


def test_a_qualification_annulled_restores_the_one_before_and_drops_its_announcement() -> None:
    case = played(
        [
            *opening("2026-11-02 10:00", category="small"),
            qualify("2026-11-03 10:00", "medium"),  # 3
            decide("prosecutor", "2026-11-03 11:00"),
            qualify("2026-11-04 10:00", "grave", "190"),  # 5
            decide("prosecutor", "2026-11-04 11:00"),
        ]
    )
    assert (case.state.category, case.state.article) == ("grave", "190")
    # the older one is replaced: the newer must be annulled first
    assert case.refusals("annulment", "prosecutor", {"act": 3, **REASONS}, "2026-11-04 12:00") == [
        "not_in_force"
    ]
    verdict = case.act("annulment", "prosecutor", {"act": 5, **REASONS}, "2026-11-04 12:00")
    assert (case.state.category, case.state.article) == ("medium", "188")
    assert ("R34", "cancelled") in {(c.clock.rule, c.op) for c in verdict.changes}
    case.play([annul(3, "2026-11-04 13:00")])
    assert case.state.category == "small"  # as registered
    assert_rebuilt(case)


def test_an_interruption_annulled_resumes_the_investigation_and_its_clocks() -> None:
    case = played(
        [
            *opening("2026-11-02 10:00"),
            Step("interruption", "investigator", "2026-11-10 10:00", {"ground": "45(7)(1)"}),
            decide("prosecutor", "2026-11-11 10:00"),
        ]
    )
    assert case.state.stage == "terms_interrupted"
    assert case.clock("R08").state == "paused"
    verdict = case.act("annulment", "prosecutor", {"act": 3, **REASONS}, "2026-11-20 10:00")
    assert case.state.stage == "under_investigation"
    assert ("R08", "resumed") in {(c.clock.rule, c.op) for c in verdict.changes}
    # annulled once: a second annulment is refused
    assert case.refusals("annulment", "prosecutor", {"act": 3, **REASONS}, "2026-11-21 10:00") == [
        "already_annulled"
    ]


def test_an_accelerated_investigation_annulled_runs_in_its_ordinary_terms() -> None:
    case = played(
        [
            *opening("2026-11-02 10:00"),
            suspect(ADULT, "2026-11-03 10:00"),
            decide("prosecutor", "2026-11-03 11:00"),
            Step("accelerated_mode", "investigator", "2026-11-05 10:00"),  # 5
        ]
    )
    assert case.state.accelerated
    verdict = case.act("annulment", "prosecutor", {"act": 5, **REASONS}, "2026-11-06 10:00")
    assert not case.state.accelerated
    assert ("R09", "cancelled") in {(c.clock.rule, c.op) for c in verdict.changes}
    assert case.clock("R08").state == "running"
    assert_rebuilt(case)


def motion(when: str) -> Step:
    payload = {"party": ADULT, "matter": "expertise", "text": "a handwriting expertise"}
    return Step("motion", "defence_lawyer", when, payload)


def motion_decided(outcome: str, when: str) -> Step:
    payload = {"motion": 5, "outcome": outcome, "reasons": "not relevant"}
    return Step("motion_decision", "investigator", when, payload)


def test_a_refused_motion_annulled_awaits_a_decision_again() -> None:
    agreed = [suspect(ADULT, "2026-11-03 10:00"), decide("prosecutor", "2026-11-03 11:00")]
    case = played(
        [
            *opening("2026-11-02 10:00"),
            *agreed,
            motion("2026-11-04 10:00"),  # 5
            motion_decided("refused", "2026-11-05 10:00"),  # 6
        ]
    )
    verdict = case.act("annulment", "prosecutor", {"act": 6, **REASONS}, "2026-11-06 10:00")
    changes = {(c.clock.rule, c.op) for c in verdict.changes}
    assert {("R69", "cancelled"), ("R67", "started")} <= changes
    assert case.clock("R67", "5").started_seq == 7  # 3 days to decide anew
    case.play([motion_decided("granted", "2026-11-06 12:00")])  # 8
    # a granted motion stands
    assert case.refusals("annulment", "prosecutor", {"act": 8, **REASONS}, "2026-11-07 10:00") == [
        "not_annullable"
    ]
    assert_rebuilt(case)


def test_a_cancelled_termination_is_shown_as_annulled_by_its_cancellation() -> None:
    case = played(
        [
            *opening("2026-11-02 10:00"),
            Step(
                "termination",
                "investigator",
                "2026-11-10 10:00",
                {"ground": "35(1)(2)", "rehabilitating": True},
            ),  # 3
            decide("prosecutor", "2026-11-11 10:00"),
        ]
    )
    # the annulment points to the act that cancels a termination
    refused = case.act(
        "annulment", "prosecutor", {"act": 3, **REASONS}, "2026-11-12 10:00", accepted=False
    )
    assert [(r.code, (r.details or {}).get("instead")) for r in refused.reasons] == [
        ("not_annullable", "termination_cancelled")
    ]
    case.act("termination_cancelled", "prosecutor", {"reasons": "unlawful"}, "2026-11-12 10:00")
    assert case.state.annulled == {3: 5}
    assert case.refusals("annulment", "prosecutor", {"act": 3, **REASONS}, "2026-11-13 10:00") == [
        "already_annulled"
    ]


@pytest.mark.parametrize(
    ("steps", "act", "role", "codes"),
    [
        pytest.param([], 2, "prosecutor", ["not_annullable"], id="an acceptance is not annulled"),
        pytest.param([], 99, "prosecutor", ["not_annullable"], id="no such act"),
        pytest.param(
            [suspect(ADULT, "2026-11-03 10:00"), decide("prosecutor", "2026-11-03 11:00")],
            3,
            "investigator",
            ["role_not_allowed"],
            id="only the prosecutor annuls",
        ),
        pytest.param(
            [suspect(ADULT, "2026-11-03 10:00")],
            3,
            "prosecutor",
            ["not_annullable"],
            id="a recognition awaiting agreement is refused by a decision, not annulled",
        ),
        pytest.param(
            [
                suspect(ADULT, "2026-11-03 10:00"),
                decide("prosecutor", "2026-11-03 11:00"),
                detention(ADULT, "2026-11-04 09:00", "2026-11-04 10:00"),
            ],
            3,
            "prosecutor",
            ["deprived_of_liberty"],
            id="a detained suspect is released first",
        ),
        pytest.param(
            [
                suspect(ADULT, "2026-11-03 10:00"),
                decide("prosecutor", "2026-11-03 11:00"),
                Step("investigation_completed", "investigator", "2026-11-04 10:00"),
            ],
            3,
            "prosecutor",
            ["not_in_force"],
            id="not after the investigation is completed",
        ),
    ],
)
def test_annulments_refused(steps: list[Step], act: int, role: str, codes: list[str]) -> None:
    case = played([*opening("2026-11-02 10:00"), *steps])
    payload = {"act": act, **REASONS}
    assert case.refusals("annulment", role, payload, "2026-11-05 10:00") == codes


def test_the_annulment_gives_its_reasons() -> None:
    case = played([*opening("2026-11-02 10:00"), suspect(ADULT, "2026-11-03 10:00")])
    assert case.refusals("annulment", "prosecutor", {"act": 3}, "2026-11-05 10:00") == [
        "payload_missing"
    ]


# --- through the API ------------------------------------------------------------------------------

SUSPECT = f"iin:{VALID_IIN_2}"


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Act, Case, Deadline, Awaited, Notification)
    }


@pytest.fixture
def recognised(world: World) -> tuple[Case, int]:
    """A case whose suspect's recognition the prosecutor agreed to: (case, the recognition)."""
    World.official("otto", world.other_office, "prosecutor")
    person_get_or_create(iin=VALID_IIN_2, last_name="Suspect", first_name="S")
    case = open_case(world, notes=1)
    act_append(
        case=case,
        kind="recognition_as_suspect",
        actor=world.alice,
        payload={"party": SUSPECT, "grounds": "a witness saw him"},
    )
    recognition = case.last_seq
    act_append(
        case=case,
        kind="decision",
        actor=world.petra,
        payload={"request": recognition, "outcome": "granted"},
    )
    return case, recognition


def post_annulment(client: ApiClient, case: Case, act: int) -> Any:
    body = {"kind": "annulment", "payload": {"act": act, **REASONS}}
    return client.post(f"/cases/{case.pk}/acts", body)


def test_the_prosecutor_annuls_and_the_journal_shows_it(
    world: World, recognised: tuple[Case, int]
) -> None:
    case, recognition = recognised

    def offered(official: Official) -> bool:
        allowed = ApiClient(official).get(f"/cases/{case.pk}/acts/allowed").json()["allowed"]
        return "annulment" in {a["kind"] for a in allowed}

    assert (offered(world.petra), offered(world.alice)) == (True, False)
    response = post_annulment(ApiClient(world.olga), case, recognition)  # the oblast office
    assert response.status_code == 201, response.json()
    annulment = response.json()["seq"]
    assert response.json()["actor_role"] == "prosecutor"

    journal = ApiClient(world.alice).get(f"/cases/{case.pk}/acts").json()["acts"]
    marks = {a["seq"]: a["annulled_by"] for a in journal}
    assert marks[recognition] == annulment
    assert [seq for seq, by in marks.items() if by is not None] == [recognition]
    persons = ApiClient(world.petra).get(f"/cases/{case.pk}").json()["persons"]
    assert [(p["party"], p["status"]) for p in persons] == [(SUSPECT, "none")]
    # the investigator is told (N-193)
    told = Notification.objects.filter(case=case, recipient=world.alice)
    assert "a decision of the case annulled by the prosecutor" in {n.message for n in told}

    client = Client()
    client.force_login(world.alice)
    page = client.get(f"/cases/{case.pk}/journal/").content.decode()
    assert f'href="#act-{annulment}"' in page
    assert verify_case(Case.objects.get(pk=case.pk)) == []
    assert not offered(world.petra)  # nothing left to annul


@pytest.mark.parametrize(
    ("who", "act", "status", "code"),
    [
        pytest.param("petra", "note", 409, "not_annullable", id="a note is not annullable"),
        pytest.param("petra", "again", 409, "already_annulled", id="annulled twice"),
        pytest.param("alice", "recognition", 403, "role_not_allowed", id="not a prosecutor"),
        pytest.param("otto", "recognition", 404, "case_not_found", id="another office's case"),
    ],
)
def test_a_refused_annulment_writes_nothing(
    world: World, recognised: tuple[Case, int], who: str, act: str, status: int, code: str
) -> None:
    case, recognition = recognised
    if act == "again":
        assert post_annulment(ApiClient(world.petra), case, recognition).status_code == 201
    seq = {"note": 4, "again": recognition, "recognition": recognition}[act]
    assert Act.objects.get(case=case, seq=4).kind == "note"
    before = counts()
    case.refresh_from_db()
    head = (case.last_seq, case.last_hash, case.procedure)

    response = post_annulment(ApiClient(getattr(world, who, None) or _official(who)), case, seq)

    assert_error(response, status, code)
    assert counts() == before
    case.refresh_from_db()
    assert (case.last_seq, case.last_hash, case.procedure) == head


def _official(username: str) -> Official:
    return Official.objects.get(username=username)
