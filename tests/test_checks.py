"""Start-up checks and edge dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tergeu.cases.models import Case
from tergeu.errors import InvalidInput
from tergeu.journal.canonical import utc_text
from tergeu.journal.services import act_append
from tergeu.registry.apps import check_register_number_format
from tests.conftest import World
from tests.test_flow_api import register_case


@pytest.mark.parametrize(
    ("fmt", "ok"),
    [
        ("{yy:02d}{region:0>2}{authority:0>4}{seq:07d}", True),
        ("{region:02d}{seq}", False),  # region is a string: "d" cannot format it
        ("{yy}-{seq}", False),  # not digits only
        ("{year}{seq}", False),  # unknown placeholder
    ],
)
def test_register_number_format_is_checked(settings: Any, fmt: str, ok: bool) -> None:
    settings.REGISTER_NUMBER_FORMAT = fmt
    assert (check_register_number_format() == []) is ok


def test_canonical_time_pads_the_year() -> None:
    assert utc_text(datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "0999-01-02T03:04:05.000006Z"


def test_act_dated_before_2000_is_refused(world: World) -> None:
    case = Case.objects.get(pk=register_case(world)["case_id"])
    ancient = datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=5)))
    with pytest.raises(InvalidInput) as refused:
        act_append(
            case=case, kind="note", payload={"text": "x"}, actor=world.rita, performed_at=ancient
        )
    assert refused.value.code == "performed_too_early"
    assert Case.objects.get(pk=case.pk).last_seq == 1


def test_running_deadline_past_due_is_shown_overdue(world: World) -> None:
    from tergeu import clock
    from tests.conftest import ApiClient

    case_id = register_case(world)["case_id"]
    head = ApiClient(world.hector)
    [before] = head.get(f"/cases/{case_id}").json()["deadlines"]
    assert before["rule"] == "R01"
    assert before["overdue"] is False
    with clock.frozen(clock.now() + timedelta(days=3)):
        [after] = head.get(f"/cases/{case_id}").json()["deadlines"]
    assert after["state"] == "running"
    assert after["overdue"] is True


def test_api_docs_page_loads_nothing_from_other_sites(client: Any) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "https://" not in html
    assert "//cdn" not in html


def test_batch_verification_names_the_right_case(world: World) -> None:
    from tergeu.cases.models import Stage
    from tergeu.journal.verify import verify_cases

    ids = [register_case(world)["case_id"] for _ in range(3)]
    for case_id in ids:
        act_append(
            case=Case.objects.get(pk=case_id), kind="note", payload={"text": "n"}, actor=world.rita
        )
    Case.objects.filter(pk=ids[1]).update(stage=Stage.CLOSED)  # the projection lies
    cases = list(Case.objects.filter(pk__in=ids).order_by("pk"))
    problems = verify_cases(cases)
    assert {p.case for p in problems} == {cases[1].register_number}
    assert [p.what for p in problems] == ["projection differs from the journal in stage"]


def test_notice_to_the_prosecutor_moves_past_nauryz(world: World) -> None:
    """R01, 1 day (179(1)), standard counting: registered on Friday 20 March 2026, the last day
    would be Saturday 21 March; 21–25 March are days off (Nauryz, and its weekend moves), so the
    term ends at 24:00 on Thursday 26 March."""
    from zoneinfo import ZoneInfo

    from tergeu.cases.models import Deadline
    from tergeu.registry.services import case_register

    almaty = ZoneInfo("Asia/Almaty")
    case = case_register(
        actor=world.rita,
        qualification={"article": "188", "offence_category": "small"},
        summary="Registered before the holidays",
        investigation_unit=world.unit,
        registered_at=datetime(2026, 3, 20, 17, 30, tzinfo=almaty),
    )
    deadline = Deadline.objects.get(case=case, rule="R01")
    assert deadline.due_at == datetime(2026, 3, 27, 0, 0, tzinfo=almaty)


def test_reports_are_entered_only_in_an_investigating_body(world: World) -> None:
    from tergeu.accounts.models import Appointment, Role
    from tergeu.registry.models import CrimeReport
    from tests.conftest import ApiClient

    Appointment.objects.create(
        official=world.petra, agency=world.district_office, role=Role.REGISTRAR
    )
    response = ApiClient(world.petra).post(
        "/reports",
        {"agency_id": world.district_office.pk, "source": "official_report", "summary": "x"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "role_not_allowed"
    assert not CrimeReport.objects.exists()
