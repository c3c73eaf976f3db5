"""Bad input on decisions: a decision after its window, a second decision on one request, a
decision by the wrong judge. Each is refused with the one error shape and a stable code, and
writes nothing: no act, no case change, no deadline, no queue row, no notification.

A decision that only comes late — after its own clock (the judge's 8 hours) — is recorded and
its clock is breached; a decision that comes after the term it depended on has ended (custody
after the detention's 48 hours, an appeal after its 15 days) is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from tergeu import clock
from tergeu.accounts.models import AgencyKind, Official, Role
from tergeu.cases.models import Awaited, Case, Deadline
from tergeu.journal.models import Act
from tergeu.notifications.models import Notification
from tergeu.procedure.state import from_json
from tests.conftest import ApiClient, World
from tests.flows import IMPRISONMENT, SUSPECT, act, institution, on_duty, suspect_case, to_verdict
from tests.procedure.helpers import ADULT, Step, decide, detention, opening
from tests.procedure.helpers import Case as EngineCase
from tests.test_refusals import assert_error, database_state


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Act, Case, Deadline, Awaited, Notification)}


def refused(
    client: ApiClient, case: Case, kind: str, payload: dict[str, Any], status: int, code: str
) -> dict[str, Any]:
    """Post the act; assert the error and that nothing at all was written."""
    before, tables = counts(), database_state()
    response = client.post(f"/cases/{case.pk}/acts", {"kind": kind, "payload": payload})
    body = assert_error(response, status, code)
    assert counts() == before
    assert database_state() == tables
    return body


# --- the engine: a grant after the term it depended on -------------------------------------------

CUSTODY_ASKED = [
    *opening("2026-11-02 10:00"),
    detention(ADULT, "2026-11-03 09:05", "2026-11-03 10:00"),  # 48 h: ends 5 Nov 09:05
    Step("custody_motion", "investigator", "2026-11-04 09:00", {"party": ADULT, "grounds": "x"}),
    decide("investigation_head", "2026-11-04 10:00"),
    decide("prosecutor", "2026-11-04 12:00"),
]


@pytest.mark.parametrize(
    ("when", "outcome", "codes"),
    [
        ("2026-11-05 09:04", "granted", []),  # late for the judge's 8 h, still in the 48 h
        ("2026-11-05 09:05", "granted", ["request_lapsed"]),
        ("2026-11-05 09:05", "shortened", ["request_lapsed"]),
        ("2026-11-05 09:05", "refused", []),  # a refusal is still recorded
    ],
)
def test_custody_is_not_sanctioned_after_the_detention_ended(
    when: str, outcome: str, codes: list[str]
) -> None:
    case = EngineCase()
    case.play(CUSTODY_ASKED)
    extra = {"until": "2026-12-20T10:00:00+05:00"} if outcome == "shortened" else {}
    step = decide("investigating_judge", when, outcome, **extra)
    verdict = case.act(step.kind, step.role, step.payload, step.when, accepted=not codes)
    assert [r.code for r in verdict.reasons] == codes
    if outcome == "granted" and not codes:
        assert case.clock("R42").state == "breached"  # late, but lawful


def test_custody_that_has_ended_is_not_extended() -> None:
    case = EngineCase()
    case.play(
        [
            *CUSTODY_ASKED,
            decide("investigating_judge", "2026-11-04 18:00", until="2026-11-20T09:05:00+05:00"),
            Step(
                "custody_extension",
                "investigator",
                "2026-11-16 10:00",
                {"party": ADULT, "until": "2026-12-20T09:05:00+05:00", "grounds": "x"},
            ),
        ]
    )
    lapsed = case.act(*_decision("prosecutor", "2026-11-20 09:06"), accepted=False)
    assert [(r.code, (r.details or {}).get("rule")) for r in lapsed.reasons] == [
        ("request_lapsed", "R44")
    ]


def _decision(role: str, when: str) -> tuple[str, str, dict[str, Any], str]:
    step = decide(role, when)
    return step.kind, step.role, dict(step.payload), step.when


# --- through the API -----------------------------------------------------------------------------


def detained_47_hours_ago(world: World, judge_start: datetime) -> tuple[Case, int]:
    """A custody motion agreed by the head and the prosecutor, awaiting the judge on duty; the
    suspect was detained 47 hours ago."""
    case = suspect_case(world)
    detained_at = clock.now() - timedelta(hours=47)
    act(case, "detention", world.alice, {
        "party": SUSPECT, "detained_at": detained_at.isoformat(), "minor": False, "grounds": "x",
    })  # fmt: skip
    act(case, "custody_motion", world.alice, {"party": SUSPECT, "grounds": "flight"})
    motion = case.last_seq
    act(case, "decision", world.hector, {"request": motion, "outcome": "granted"})
    act(case, "decision", world.petra, {"request": motion, "outcome": "granted"})
    return case, motion


def test_a_sanction_after_the_detention_ended_is_refused(world: World) -> None:
    judge = on_duty(world, "julia", Role.INVESTIGATING_JUDGE, clock.now() - timedelta(days=1))
    case, motion = detained_47_hours_ago(world, clock.now())
    with clock.frozen(clock.now() + timedelta(hours=1, minutes=1)):
        body = refused(
            ApiClient(judge), case, "decision",
            {"request": motion, "outcome": "granted"}, 409, "request_lapsed",
        )  # fmt: skip
        assert body["error"]["details"]["rule"] == "R39"
        # the judge may still refuse: the refusal is recorded
        response = ApiClient(judge).post(
            f"/cases/{case.pk}/acts",
            {"kind": "decision", "payload": {"request": motion, "outcome": "refused",
                                             "reasons": "the detention has ended"}},
        )  # fmt: skip
        assert response.status_code == 201, response.json()


def test_a_second_decision_on_one_request_is_refused(world: World) -> None:
    case = suspect_case(world)  # the recognition was agreed by Petra
    recognition = case.last_seq - 1
    refused(
        ApiClient(world.petra), case, "decision",
        {"request": recognition, "outcome": "granted"}, 409, "no_such_request",
    )  # fmt: skip
    # A request that moved on to the next official: the one who decided it may not again.
    act(case, "custody_motion", world.alice, {"party": SUSPECT, "grounds": "flight"})
    motion = case.last_seq
    act(case, "decision", world.hector, {"request": motion, "outcome": "granted"})
    body = refused(
        ApiClient(world.hector), case, "decision",
        {"request": motion, "outcome": "refused", "reasons": "x"}, 403, "role_not_allowed",
    )  # fmt: skip
    assert body["error"]["details"]["awaits"] == "prosecutor"


def test_a_decision_by_the_wrong_judge_is_refused(world: World) -> None:
    """Julia was on duty when the first sanction request reached the court, Jamal when the
    second did: Jamal sees the case (his request) but may not decide Julia's."""
    now = clock.now()
    julia = on_duty(world, "julia", Role.INVESTIGATING_JUDGE, now - timedelta(hours=10), 5 / 24)
    jamal = on_duty(world, "jamal", Role.INVESTIGATING_JUDGE, now - timedelta(hours=5), 10 / 24)
    case = suspect_case(world)
    with clock.frozen(now - timedelta(hours=6)):
        act(case, "judicial_sanction_request", world.alice, {"matter": "search", "grounds": "x"})
    first = case.last_seq
    act(case, "urgent_action", world.alice, {
        "matter": "seizure", "performed_at": (now - timedelta(hours=1)).isoformat(),
        "grounds": "x",
    })  # fmt: skip
    assert Awaited.objects.get(case=case, request_seq=first).assignee == julia
    assert Awaited.objects.get(case=case, request_seq=case.last_seq).assignee == jamal
    refused(
        ApiClient(jamal), case, "decision",
        {"request": first, "outcome": "granted"}, 403, "not_assigned",
    )  # fmt: skip


def test_an_appeal_after_its_15_days_is_refused(world: World) -> None:
    start = clock.now() - timedelta(days=40)
    judge = on_duty(world, "trial", Role.TRIAL_JUDGE, start - timedelta(days=1))
    case = to_verdict(world, judge, start, IMPRISONMENT)  # the verdict on day 10
    appeal = {"by": "prosecutor"}
    # R80: 15 days from day 10, to 24:00 of day 25 (or the next working day)
    with clock.frozen(start + timedelta(days=30)):
        body = refused(ApiClient(world.petra), case, "appeal", appeal, 409, "window_closed")
        assert "ended" in body["error"]["details"]
    # within the 15 days it is accepted
    with clock.frozen(start + timedelta(days=24)):
        response = ApiClient(world.petra).post(
            f"/cases/{case.pk}/acts", {"kind": "appeal", "payload": appeal}
        )
    assert response.status_code == 201, response.json()
    assert Case.objects.get(pk=case.pk).stage == "in_appeal"


def writ_verdict(world: World, start: datetime) -> tuple[Case, Official]:
    """A writ verdict (a fine) recorded on `start` + 1 day."""
    judge = on_duty(world, "trial", Role.TRIAL_JUDGE, start - timedelta(days=1))
    with clock.frozen(start):
        case = suspect_case(world, form="inquiry")
        act(case, "writ_motion", world.alice, {"party": SUSPECT, "victim_consent": True})
        act(case, "writ_order", world.alice, {"fine_mrp": 100})
        writ = case.last_seq
        act(case, "decision", world.hector, {"request": writ, "outcome": "granted"})
        act(case, "decision", world.petra, {"request": writ, "outcome": "granted"})
    with clock.frozen(start + timedelta(days=1)):
        act(case, "writ_verdict", judge, {"fine_mrp": 100})
    return case, judge


@pytest.mark.parametrize(
    ("kind", "payload", "who"),
    [
        ("writ_disagreement", {"reasons": "I do not agree"}, "judge"),
        ("appeal", {"by": "victim"}, "petra"),
    ],
)
def test_a_writ_objection_after_its_7_days_is_refused(
    world: World, kind: str, payload: dict[str, Any], who: str
) -> None:
    start = clock.now() - timedelta(days=20)
    case, judge = writ_verdict(world, start)
    actor: Callable[[], Official] = lambda: judge if who == "judge" else world.petra  # noqa: E731
    with clock.frozen(start + timedelta(days=12)):
        refused(ApiClient(actor()), case, kind, payload, 409, "window_closed")
    with clock.frozen(start + timedelta(days=4)):
        response = ApiClient(actor()).post(
            f"/cases/{case.pk}/acts", {"kind": kind, "payload": payload}
        )
    assert response.status_code == 201, response.json()
    assert from_json(Case.objects.get(pk=case.pk).procedure).stage in (
        "under_investigation",
        "in_appeal",
    )


def test_an_execution_order_to_the_wrong_institution_writes_nothing(world: World) -> None:
    start = clock.now() - timedelta(days=40)
    case, judge = writ_verdict(world, start)
    probation = institution(world, "7595", AgencyKind.PROBATION)
    with clock.frozen(start + timedelta(days=10)):
        act(case, "entry_into_force", judge)
        order = {"punishment": "fine", "fine_mrp": 100, "institution_id": probation.pk}
        refused(ApiClient(judge), case, "execution_order", order, 422, "institution_mismatch")
        wrong = {"punishment": "fine", "fine_mrp": 90, "institution_id": probation.pk}
        refused(ApiClient(judge), case, "execution_order", wrong, 409, "sentence_mismatch")
