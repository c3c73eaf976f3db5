"""The prosecutor's supervision list, GET /api/v1/supervision: every case of the prosecutor's
office and the offices below it, with its risks — deadlines past their end, persons detained
(and when they must be released), custody running, deadlines due soon — and filters. Refused
(403) for anyone who is not a prosecutor; a prosecutor of another office sees none of these
cases. Its cost does not grow with the number of cases on the page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tergeu import clock
from tergeu.access.models import AccessLog
from tergeu.accounts.models import Official, Role
from tergeu.cases.models import Case, Compartment, Deadline
from tergeu.registry.services import case_register
from tests.conftest import ApiClient, World, open_case
from tests.flows import SUSPECT, act, on_duty, suspect_case
from tests.test_refusals import assert_error


def detain(world: World, case: Case, hours_ago: float) -> None:
    detained_at = clock.now() - timedelta(hours=hours_ago)
    act(case, "detention", world.alice, {
        "party": SUSPECT, "detained_at": detained_at.isoformat(), "minor": False, "grounds": "x",
    })  # fmt: skip


@pytest.fixture
def cases(world: World) -> dict[str, Case]:
    """A: a suspect detained 10 hours ago; B: registered 10 days ago, the prosecutor never told
    (R01 overdue, whatever days off followed: 3 days ago was not enough on a Monday); C: a
    suspect in custody; D: registered, not yet accepted."""
    World.official("otto", world.other_office, Role.PROSECUTOR)
    detained = suspect_case(world)
    detain(world, detained, 10)
    with clock.frozen(clock.now() - timedelta(days=10)):
        overdue = open_case(world, notes=0, summary="A bicycle")
    judge = on_duty(world, "julia", Role.INVESTIGATING_JUDGE, clock.now() - timedelta(hours=1))
    custody = suspect_case(world)
    detain(world, custody, 5)
    act(custody, "custody_motion", world.alice, {"party": SUSPECT, "grounds": "flight"})
    motion = custody.last_seq
    for who in (world.hector, world.petra, judge):
        act(custody, "decision", who, {"request": motion, "outcome": "granted"})
    registered = case_register(
        actor=world.rita,
        qualification={"article": "188", "part": "1", "offence_category": "small"},
        summary="A phone taken",
        investigation_unit=world.unit,
    )
    return {"A": detained, "B": overdue, "C": custody, "D": registered}


def listing(official: Official, **filters: Any) -> dict[str, Any]:
    response = ApiClient(official).get("/supervision", **filters)
    assert response.status_code == 200, response.json()
    body: dict[str, Any] = response.json()
    return body


def names(body: dict[str, Any], cases: dict[str, Case]) -> list[str]:
    by_id = {case.pk: name for name, case in cases.items()}
    return [by_id[item["id"]] for item in body["items"]]


def test_the_office_and_the_office_above_see_every_case_with_its_risks(
    world: World, cases: dict[str, Case]
) -> None:
    for prosecutor in (world.petra, world.olga):
        body = listing(prosecutor)
        assert body["count"] == 4
        assert sorted(names(body, cases)) == ["A", "B", "C", "D"]
    items = {item["id"]: item for item in listing(world.petra)["items"]}

    detained = items[cases["A"].pk]
    (person,) = detained["detained"]
    assert (person["party"], person["name"], person["minor"]) == (SUSPECT, "Suspect S", False)
    assert person["hours_left"] == pytest.approx(38, abs=0.2)  # 48 hours from the detention
    assert detained["custody"] == []
    assert detained["overdue"] == []

    late = items[cases["B"].pk]
    assert [d["rule"] for d in late["overdue"]] == ["R01"]
    assert late["overdue"][0]["explanation"]
    assert late["detained"] == late["custody"] == []

    custody = items[cases["C"].pk]
    (person,) = custody["custody"]
    assert custody["detained"] == []
    assert person["ends_at"] is not None  # R44: two months from the actual detention
    assert 55 * 24 < person["hours_left"] < 62 * 24

    assert [i["stage"] for i in items.values() if i["id"] == cases["D"].pk] == ["registered"]


def test_filters(world: World, cases: dict[str, Case]) -> None:
    assert names(listing(world.petra, overdue="true"), cases) == ["B"]
    assert sorted(names(listing(world.petra, detained="true"), cases)) == ["A", "C"]
    assert names(listing(world.petra, stage="registered"), cases) == ["D"]
    both = listing(world.petra, detained="true", stage="registered")
    assert (both["count"], both["items"]) == (0, [])


def test_deadlines_due_soon_are_listed(world: World) -> None:
    case = suspect_case(world)
    detain(world, case, 37)  # the detention ends in 11 hours
    (item,) = listing(world.petra)["items"]
    soon = {d["rule"] for d in item["due_soon"]}
    # the motion must reach the judge 8 h before the end; the release alert 2 h before it
    assert {"R41", "X-RELEASE-DUE"} <= soon
    assert item["overdue"] == []
    assert item["next_due_at"] is not None


def test_covert_clocks_are_not_in_the_list(world: World, cases: dict[str, Case]) -> None:
    case = cases["D"]
    compartment = Compartment.objects.create(case=case, number=1, opened_at=clock.now())
    past = clock.now() - timedelta(days=2)
    Deadline.objects.create(
        case=case, compartment=compartment, rule="R62", article="236(1)", duty="x", key="R62/9",
        started_at=past, due_at=past + timedelta(hours=1), state="running",
    )  # fmt: skip
    item = next(i for i in listing(world.petra)["items"] if i["id"] == case.pk)
    assert item["overdue"] == []
    assert names(listing(world.petra, overdue="true"), cases) == ["B"]


def test_the_prosecutor_named_on_a_covert_action_sees_it_and_no_other_prosecutor_does(
    world: World, cases: dict[str, Case]
) -> None:
    case = cases["A"]
    act(case, "procedural_prosecutor_assignment", world.petra, {"prosecutor_id": world.petra.pk})
    act(case, "covert_action", world.alice, {"target": SUSPECT, "item": 2, "grounds": "x"})
    item = next(i for i in listing(world.petra)["items"] if i["id"] == case.pk)
    assert [c["compartment"] for c in item["covert"]] == [1]
    (named,) = item["covert"]
    assert [(a["seq"], a["status"]) for a in named["actions"]] == [(1, "requested")]
    assert [d["rule"] for d in named["deadlines"]] == ["R60"]
    assert names(listing(world.petra, covert="true"), cases) == ["A"]
    # Olga supervises the case from the office above, but the compartment does not name her.
    olga = next(i for i in listing(world.olga)["items"] if i["id"] == case.pk)
    assert olga["covert"] == []
    assert "R60" not in str(olga)
    assert listing(world.olga, covert="true")["items"] == []


def test_another_office_sees_none_of_them(world: World, cases: dict[str, Case]) -> None:
    otto = Official.objects.get(username="otto")
    body = listing(otto)
    assert (body["count"], body["items"]) == (0, [])


@pytest.mark.parametrize("name", ["alice", "hector", "rita", "oscar", "adam", "julia"])
def test_refused_for_anyone_but_a_prosecutor(
    name: str, world: World, cases: dict[str, Case]
) -> None:
    official = getattr(world, name, None) or Official.objects.get(username=name)
    response = ApiClient(official).get("/supervision")
    body = assert_error(response, 403, "role_not_allowed")
    assert body["error"]["details"] == {}
    assert not AccessLog.objects.filter(official=official).exists()


def test_the_list_is_logged_with_the_cases_it_showed(world: World, cases: dict[str, Case]) -> None:
    body = listing(world.petra, detained="true")
    entry = AccessLog.objects.get(official=world.petra, action="list_supervision")
    assert entry.detail["case_ids"] == [item["id"] for item in body["items"]]
    assert entry.detail["detained"] is True


def queries(official: Official) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = ApiClient(official).get("/supervision")
    assert response.status_code == 200, response.json()
    return [q["sql"] for q in captured.captured_queries]


def test_the_cost_does_not_grow_with_the_cases(world: World) -> None:
    def one_more() -> None:
        case = suspect_case(world)
        detain(world, case, 3)

    one_more()
    few = queries(world.petra)
    for _ in range(9):
        one_more()
    many = queries(world.petra)
    assert len(few) == len(many), (few, many)
    # With the access log's chain: its head locked and moved, in a savepoint here (the test's
    # transaction around the request), and the reader's break-glass grants looked up.
    assert len(many) <= 15, many
    assert listing(world.petra)["count"] == 10
