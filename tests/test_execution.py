"""The institution that executes a sentence: an execution order names a penitentiary
institution or a probation service; its officials then see the case and confirm the
execution; nobody else of such an institution does."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tergeu.accounts.models import Agency, AgencyKind, Official, Role
from tergeu.cases.models import Case
from tergeu.errors import InvalidInput
from tergeu.journal.kinds import KINDS
from tergeu.procedure.state import from_json, to_json
from tests.conftest import ApiClient, World, open_case
from tests.test_refusals import assert_error


def institution(world: World, code: str, kind: str) -> Agency:
    agency: Agency = Agency.objects.create(
        name=f"Institution {code}", kind=kind, authority_code=code, region=world.unit.region
    )
    return agency


def officer(world: World, username: str, agency: Agency, role: str) -> Official:
    return world.official(username, agency, role)


@pytest.fixture
def executing(world: World) -> tuple[Case, Official, Official]:
    return executing_case(world)


def executing_case(world: World) -> tuple[Case, Official, Official]:
    """A case whose sentence is being executed by colony 7591 (set on the projection: the
    court's acts that lead there are not open to any official yet)."""
    case: Case = open_case(world, notes=0)
    colony = institution(world, "7591", AgencyKind.PENITENTIARY)
    other = institution(world, "7592", AgencyKind.PENITENTIARY)
    state = replace(from_json(case.procedure), stage="execution")
    Case.objects.filter(pk=case.pk).update(
        stage="execution", procedure=to_json(state), execution_institution=colony
    )
    return (
        case,
        officer(world, "warden", colony, Role.PENITENTIARY_OFFICER),
        officer(world, "other_warden", other, Role.PENITENTIARY_OFFICER),
    )


def test_the_institution_sees_the_case_and_confirms_the_execution(
    executing: tuple[Case, Official, Official],
) -> None:
    case, warden, _ = executing
    client = ApiClient(warden)
    assert client.get(f"/cases/{case.pk}").status_code == 200
    assert [c["id"] for c in client.get("/cases").json()["items"]] == [case.pk]
    confirmed = client.post(
        f"/cases/{case.pk}/acts",
        {"kind": "execution_confirmation", "payload": {"place": "colony 7591, Almaty oblast"}},
    )
    assert confirmed.status_code == 201, confirmed.json()
    assert confirmed.json()["actor_role"] == "penitentiary_officer"
    assert Case.objects.get(pk=case.pk).stage == "closed"


def test_another_institution_does_not_see_the_case(
    executing: tuple[Case, Official, Official],
) -> None:
    case, _, other = executing
    client = ApiClient(other)
    assert_error(client.get(f"/cases/{case.pk}"), 404, "case_not_found")
    assert client.get("/cases").json()["items"] == []


def test_an_execution_order_goes_to_an_institution_that_executes(world: World) -> None:
    case = open_case(world, notes=0)
    kind = KINDS["execution_order"]
    police = kind.schema.model_validate(
        {"punishment": "imprisonment", "term_months": 24, "institution_id": world.unit.pk}
    )
    with pytest.raises(InvalidInput) as refused:
        kind.guard(case, police)
    assert refused.value.code == "invalid_institution"
    probation = institution(world, "7593", AgencyKind.PROBATION)
    ok = kind.schema.model_validate(
        {"punishment": "restriction_of_liberty", "term_months": 12, "institution_id": probation.pk}
    )
    kind.guard(case, ok)  # accepted: a probation service executes a restriction of liberty


def test_a_fine_goes_to_the_bailiff_who_sees_the_case_and_confirms(world: World) -> None:
    case = open_case(world, notes=0)
    bailiffs = institution(world, "7596", AgencyKind.BAILIFF)
    probation = institution(world, "7593", AgencyKind.PROBATION)
    colony = institution(world, "7594", AgencyKind.PENITENTIARY)
    kind = KINDS["execution_order"]
    orders = [
        ({"punishment": "fine", "fine_mrp": 100}, bailiffs, probation),
        ({"punishment": "community_work", "term_hours": 240}, probation, bailiffs),
        ({"punishment": "arrest", "term_days": 30}, colony, probation),
    ]
    for order, executor, wrong in orders:
        kind.guard(case, kind.schema.model_validate({**order, "institution_id": executor.pk}))
        with pytest.raises(InvalidInput) as refused:
            kind.guard(case, kind.schema.model_validate({**order, "institution_id": wrong.pk}))
        assert refused.value.code == "institution_mismatch"
    state = replace(from_json(case.procedure), stage="execution")
    Case.objects.filter(pk=case.pk).update(
        stage="execution", procedure=to_json(state), execution_institution=bailiffs
    )
    bailiff = officer(world, "bailiff", bailiffs, Role.BAILIFF)
    other = officer(
        world, "other_bailiff", institution(world, "7597", AgencyKind.BAILIFF), Role.BAILIFF
    )
    assert_error(ApiClient(other).get(f"/cases/{case.pk}"), 404, "case_not_found")
    client = ApiClient(bailiff)
    assert client.get(f"/cases/{case.pk}").status_code == 200
    confirmed = client.post(
        f"/cases/{case.pk}/acts",
        {"kind": "execution_confirmation", "payload": {"place": "paid to the budget"}},
    )
    assert confirmed.status_code == 201, confirmed.json()
    assert confirmed.json()["actor_role"] == "bailiff"
    assert Case.objects.get(pk=case.pk).stage == "closed"
