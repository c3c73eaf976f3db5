"""Requests awaiting a decision reach the queue of whoever must decide them: the procedural
prosecutor or the supervising office, the heads of the unit, the investigating judge on duty
(the duty roster) — ordered by their statutory clock; a judge sees only the cases of requests
assigned to them, and only that judge decides them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tergeu import clock
from tergeu.accounts.models import Agency, AgencyKind, DutyShift, Official, Role
from tergeu.cases.models import Awaited, Case
from tergeu.journal.services import act_append
from tergeu.persons.services import person_get_or_create
from tests.conftest import VALID_IIN_2, ApiClient, World, open_case
from tests.test_refusals import assert_error, database_state

SUSPECT = f"iin:{VALID_IIN_2}"


def judge(world: World, username: str) -> Official:
    court, _ = Agency.objects.get_or_create(
        authority_code="7561",
        defaults={
            "name": "Investigating court",
            "kind": AgencyKind.INVESTIGATING_COURT,
            "region": world.unit.region,
        },
    )
    return world.official(username, court, Role.INVESTIGATING_JUDGE)


@pytest.fixture
def case(world: World) -> Case:
    person_get_or_create(iin=VALID_IIN_2, last_name="Suspect", first_name="S")
    opened: Case = open_case(world, notes=0)
    return opened


def post(client: ApiClient, case: Case, kind: str, payload: dict[str, Any]) -> Any:
    return client.post(f"/cases/{case.pk}/acts", {"kind": kind, "payload": payload})


def custody_at_the_judge(world: World, case: Case) -> int:
    alice = ApiClient(world.alice)
    detained_at = (clock.now() - timedelta(hours=3)).isoformat()
    detention = {"party": SUSPECT, "detained_at": detained_at, "minor": False, "grounds": "x"}
    assert post(alice, case, "detention", detention).status_code == 201
    motion = post(alice, case, "custody_motion", {"party": SUSPECT, "grounds": "flight"})
    seq: int = motion.json()["seq"]
    for who in (world.hector, world.petra):
        decided = post(ApiClient(who), case, "decision", {"request": seq, "outcome": "granted"})
        assert decided.status_code == 201, decided.json()
    return seq


def test_the_duty_judge_gets_the_custody_motion_and_decides_it(world: World, case: Case) -> None:
    on_duty, off_duty = judge(world, "julia"), judge(world, "jamal")
    now = clock.now()
    DutyShift.objects.create(
        court=Agency.objects.get(authority_code="7561"),
        judge=on_duty,
        starts_at=now - timedelta(hours=8),
        ends_at=now + timedelta(hours=16),
    )
    seq = custody_at_the_judge(world, case)
    queue = ApiClient(on_duty).get("/me/queue").json()["items"]
    assert [(q["case_id"], q["request"], q["decision"]) for q in queue] == [
        (case.pk, seq, "sanction")
    ]
    assert queue[0]["due_at"] is not None
    # The other judge does not see the case at all, and cannot decide.
    other = ApiClient(off_duty)
    assert other.get("/me/queue").json()["items"] == []
    before = database_state()
    refused = post(other, case, "decision", {"request": seq, "outcome": "granted"})
    assert_error(refused, 404, "case_not_found")
    assert database_state() == before
    until = (now + timedelta(days=30)).isoformat()
    granted = post(
        ApiClient(on_duty), case, "decision", {"request": seq, "outcome": "granted", "until": until}
    )
    assert granted.status_code == 201, granted.json()
    assert ApiClient(on_duty).get("/me/queue").json()["items"] == []
    row = Awaited.objects.get(case=case, request_seq=seq)
    assert row.closed_at is not None
    assert row.assignee == on_duty


def test_a_second_decision_on_one_step_is_refused(world: World, case: Case) -> None:
    on_duty = judge(world, "julia")
    now = clock.now()
    DutyShift.objects.create(
        court=Agency.objects.get(authority_code="7561"),
        judge=on_duty,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    seq = custody_at_the_judge(world, case)
    client = ApiClient(on_duty)
    until = (now + timedelta(days=20)).isoformat()
    first = post(client, case, "decision", {"request": seq, "outcome": "granted", "until": until})
    assert first.status_code == 201
    before = database_state()
    # The request is decided: the judge no longer acts on the case, and the request is gone.
    again = post(client, case, "decision", {"request": seq, "outcome": "granted", "until": until})
    assert again.status_code in (403, 409), again.json()
    assert database_state() == before


def test_prosecutor_and_head_queues_are_ordered_by_the_clock(world: World, case: Case) -> None:
    alice = ApiClient(world.alice)
    recognised = post(alice, case, "recognition_as_suspect", {"party": SUSPECT, "grounds": "x"})
    detained_at = (clock.now() - timedelta(hours=1)).isoformat()
    other = "iin:900101300017"
    detention = {"party": other, "detained_at": detained_at, "minor": False, "grounds": "x"}
    assert post(alice, case, "detention", detention).status_code == 201
    motion = post(alice, case, "custody_motion", {"party": other, "grounds": "flight"})
    petra = ApiClient(world.petra).get("/me/queue").json()["items"]
    assert [q["request"] for q in petra] == [recognised.json()["seq"]]
    hector = ApiClient(world.hector).get("/me/queue").json()["items"]
    assert [(q["request"], q["role"]) for q in hector] == [(motion.json()["seq"], "head")]
    # A prosecutor of an office above sees the office's queue too; alice has none.
    assert [q["request"] for q in ApiClient(world.olga).get("/me/queue").json()["items"]] == [
        recognised.json()["seq"]
    ]
    assert ApiClient(world.alice).get("/me/queue").json()["items"] == []


def test_the_queue_page_shows_my_requests_only(world: World, case: Case) -> None:
    from django.test import Client
    from django.urls import reverse

    alice = ApiClient(world.alice)
    recognised = post(alice, case, "recognition_as_suspect", {"party": SUSPECT, "grounds": "x"})
    url = reverse("web:my_queue")
    petra = Client()
    petra.force_login(world.petra)
    page = petra.get(url, headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.content.decode()
    assert case.register_number in html
    assert f"act {recognised.json()['seq']}" in html
    oscar = Client()
    oscar.force_login(world.oscar)
    assert case.register_number not in oscar.get(url).content.decode()
    assert Client().get(url).status_code == 302  # sign in first


def test_a_judge_may_not_decide_another_judge_s_request(world: World, case: Case) -> None:
    """Two requests for a sanction of one case reach the court on two judges' shifts: each
    judge acts on the case, but only on their own request."""
    first, second = judge(world, "julia"), judge(world, "jamal")
    court = Agency.objects.get(authority_code="7561")
    now = clock.now()
    DutyShift.objects.create(
        court=court,
        judge=first,
        starts_at=now - timedelta(hours=10),
        ends_at=now - timedelta(hours=5),
    )
    DutyShift.objects.create(
        court=court,
        judge=second,
        starts_at=now - timedelta(hours=5),
        ends_at=now + timedelta(hours=5),
    )
    alice = world.alice
    search = {"matter": "search", "party": SUSPECT, "grounds": "x"}
    with clock.frozen(now - timedelta(hours=8)):
        mine = act_append(
            case=case, kind="judicial_sanction_request", actor=alice, payload=search
        ).seq
    with clock.frozen(now - timedelta(hours=1)):
        other = {**search, "party": "iin:900101300017"}
        act_append(case=case, kind="judicial_sanction_request", actor=alice, payload=other)
    jamal = ApiClient(second)
    before = database_state()
    refused = post(jamal, case, "decision", {"request": mine, "outcome": "granted"})
    assert_error(refused, 403, "not_assigned")
    assert database_state() == before
    granted = post(ApiClient(first), case, "decision", {"request": mine, "outcome": "granted"})
    assert granted.status_code == 201, granted.json()
