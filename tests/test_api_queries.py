"""The number of queries behind a request does not grow with the journal: a case of 300 acts
costs what a case of 5 acts costs, to read and to append to."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tergeu.cases.models import Case
from tergeu.journal.verify import verify_case
from tests.conftest import ApiClient, World, open_case


def case_with(world: World, acts: int) -> Case:
    """A case of exactly `acts` acts: registration, acceptance, a victim, then notes."""
    case: Case = open_case(world, acts - 3, summary=f"A case of {acts} acts")
    assert case.last_seq == acts
    return case


def queries(send: Any) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = send()
    assert response.status_code in (200, 201), response.json()
    return [q["sql"] for q in captured.captured_queries]


@pytest.fixture
def short_and_long(world: World) -> tuple[Case, Case]:
    return case_with(world, 5), case_with(world, 300)


def test_reads_cost_the_same_for_5_and_300_acts(
    world: World, short_and_long: tuple[Case, Case]
) -> None:
    alice = ApiClient(world.alice)
    short, long = short_and_long

    for path in ("/cases/{}", "/cases/{}/acts?limit=50"):
        few = queries(lambda p=path: alice.get(p.format(short.pk)))
        many = queries(lambda p=path: alice.get(p.format(long.pk)))
        assert len(few) == len(many), (path, few, many)
        # The token, the official, her appointments and break-glass grants, the case and its
        # reads; the access log: her chain's head locked, the entry, the head moved.
        assert len(many) <= 11, many

    page = alice.get(f"/cases/{long.pk}/acts", limit=50).json()
    assert [a["seq"] for a in page["acts"]] == list(range(1, 51))
    assert page["next_after_seq"] == 50
    assert alice.get(f"/cases/{long.pk}").json()["acts_count"] == 300


def test_appends_cost_the_same_for_5_and_300_acts(
    world: World, short_and_long: tuple[Case, Case]
) -> None:
    alice = ApiClient(world.alice)
    short, long = short_and_long
    note = {"kind": "note", "payload": {"text": "one more"}}

    few = queries(lambda: alice.post(f"/cases/{short.pk}/acts", note))
    many = queries(lambda: alice.post(f"/cases/{long.pk}/acts", note))

    assert len(few) == len(many), (few, many)
    assert [verify_case(c) for c in Case.objects.all()] == [[], []]


def test_case_list_costs_the_same_for_1_and_20_cases(world: World) -> None:
    alice = ApiClient(world.alice)
    case_with(world, 3)
    one = queries(lambda: alice.get("/cases"))
    for _ in range(19):
        case_with(world, 3)

    twenty = queries(lambda: alice.get("/cases"))

    assert len(one) == len(twenty), (one, twenty)
    assert alice.get("/cases").json()["count"] == 20
