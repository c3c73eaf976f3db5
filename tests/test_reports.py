"""Crime reports (КУИ) and the decision on each: registration in the unified register (ЕРДР)
with its number, forwarding within 3 days (art. 179(4), 181(5)), refusal on a statutory ground
(179(1)) and transfer to the competent body."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tergeu import clock
from tergeu.cases.models import Case, Deadline, DeadlineState
from tergeu.errors import Conflict
from tergeu.journal.models import Act
from tergeu.journal.verify import verify_case
from tergeu.registry.models import (
    CrimeReport,
    RegisterSequence,
    ReportDecision,
    ReportStatus,
)
from tergeu.registry.services import report_forward, report_refuse
from tests.conftest import VALID_IIN, ApiClient, World
from tests.test_refusals import assert_error

ALMATY = ZoneInfo("Asia/Almaty")
QUALIFY = {"article": "188", "part": "2", "offence_category": "medium"}


def almaty(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ALMATY)


def receive(client: ApiClient, world: World, **changes: Any) -> dict[str, Any]:
    body = {
        "agency_id": world.unit.pk,
        "source": "written_statement",
        "summary": "A car broken into on Dostyk avenue",
        "applicant": {"iin": VALID_IIN, "last_name": "Testov", "first_name": "Demo"},
        **changes,
    }
    response = client.post("/reports", body)
    assert response.status_code == 201, response.json()
    result: dict[str, Any] = response.json()
    return result


def decide(client: ApiClient, report_id: int, **body: Any) -> dict[str, Any]:
    response = client.post(f"/reports/{report_id}/decision", body)
    assert response.status_code == 200, response.json()
    result: dict[str, Any] = response.json()
    return result


def test_register(world: World) -> None:
    rita = ApiClient(world.rita)
    with clock.frozen(almaty(2025, 3, 10, 10, 0)):
        report = receive(rita, world)
        decided = decide(rita, report["id"], decision="register", qualification=QUALIFY)

    assert decided["status"] == ReportStatus.REGISTERED
    case = Case.objects.get(pk=decided["case_id"])
    assert decided["register_number"] == case.register_number == "257575110000001"
    decision = ReportDecision.objects.get(report_id=report["id"])
    assert (decision.status, decision.decided_by, decision.decided_at) == (
        ReportStatus.REGISTERED,
        world.rita,
        almaty(2025, 3, 10, 10, 0),
    )
    registration = Act.objects.get(case=case, seq=1)
    assert registration.payload["report_id"] == report["id"]
    assert registration.payload["register_number"] == case.register_number
    deadline = Deadline.objects.get(case=case)
    assert (deadline.rule, deadline.article, deadline.state) == ("R01", "179(1)", "running")
    assert deadline.due_at == almaty(2025, 3, 12, 0, 0)  # the end of the next day
    assert verify_case(case) == []


@pytest.mark.parametrize(
    ("decision", "status", "rule", "article"),
    [
        ("forward_administrative", ReportStatus.FORWARDED_ADMINISTRATIVE, "R02", "179(4)"),
        ("forward_audit", ReportStatus.FORWARDED_AUDIT, "R03", "181(5)"),
    ],
)
@pytest.mark.parametrize(
    ("decided_at", "state"),
    [
        (almaty(2025, 3, 10, 10, 1), DeadlineState.MET),
        (almaty(2025, 3, 13, 23, 59), DeadlineState.MET),  # the last minute of the third day
        (almaty(2025, 3, 14, 0, 0), DeadlineState.MET),  # 24:00 of the third day
        (almaty(2025, 3, 14, 0, 1), DeadlineState.BREACHED),
        (almaty(2025, 3, 20, 12, 0), DeadlineState.BREACHED),
    ],
)
def test_forward_within_three_days(
    decision: str,
    status: str,
    rule: str,
    article: str,
    decided_at: datetime,
    state: str,
    world: World,
) -> None:
    rita = ApiClient(world.rita)
    with clock.frozen(almaty(2025, 3, 10, 10, 0)):
        report = receive(rita, world)
    with clock.frozen(decided_at):
        decided = decide(
            rita, report["id"], decision=decision, addressee="Administrative police", reasons="r"
        )

    assert decided["status"] == status
    assert decided["case_id"] is None
    deadline = Deadline.objects.get()
    assert deadline.report_id == report["id"]
    assert (deadline.rule, deadline.article, deadline.state) == (rule, article, state)
    assert deadline.started_at == almaty(2025, 3, 10, 10, 0)
    assert deadline.due_at == almaty(2025, 3, 14, 0, 0)
    assert deadline.closed_at == decided_at
    stored = ReportDecision.objects.get()
    assert (stored.status, stored.addressee, stored.reasons) == (
        status,
        "Administrative police",
        "r",
    )
    assert not Case.objects.exists()
    assert not RegisterSequence.objects.exists()


def test_refuse(world: World) -> None:
    rita = ApiClient(world.rita)
    report = receive(rita, world)

    decided = decide(
        rita,
        report["id"],
        decision="refuse",
        ground="civil_dispute",
        reasons="A loan under a written contract; no court has held it void",
    )

    assert decided["status"] == ReportStatus.REFUSED
    stored = ReportDecision.objects.get()
    assert (stored.status, stored.ground) == (ReportStatus.REFUSED, "civil_dispute")
    assert stored.reasons.startswith("A loan")
    assert not Case.objects.exists()
    assert not Deadline.objects.exists()
    assert not RegisterSequence.objects.exists()


def test_transfer(world: World) -> None:
    rita, ivan = ApiClient(world.rita), ApiClient(world.ivan)
    report = receive(rita, world)

    decided = decide(
        rita, report["id"], decision="transfer", to_agency_id=world.other_unit.pk, reasons="Astana"
    )

    assert decided["status"] == ReportStatus.TRANSFERRED
    assert ReportDecision.objects.get().to_agency == world.other_unit
    moved = CrimeReport.objects.get(agency=world.other_unit)
    original = CrimeReport.objects.get(pk=report["id"])
    assert moved.status == ReportStatus.RECEIVED
    assert (moved.summary, moved.received_at, moved.applicant_person) == (
        original.summary,
        original.received_at,
        original.applicant_person,
    )
    assert [r["id"] for r in ivan.get("/reports").json()["items"]] == [moved.pk]
    assert moved.pk not in [r["id"] for r in rita.get("/reports").json()["items"]]

    registered = decide(ivan, moved.pk, decision="register", qualification=QUALIFY)
    assert registered["register_number"][2:8] == "717111"  # Astana, the other unit
    assert registered["register_number"].endswith("0000001")
    assert verify_case(Case.objects.get()) == []


def test_register_number_format_is_configurable(world: World, settings: Any) -> None:
    settings.REGISTER_NUMBER_FORMAT = "{region:0>2}{authority:0>4}{yy:02d}{seq:09d}"
    rita = ApiClient(world.rita)
    with clock.frozen(almaty(2025, 6, 1, 12, 0)):
        decided = decide(
            rita, receive(rita, world)["id"], decision="register", qualification=QUALIFY
        )
    assert decided["register_number"] == "75751125000000001"
    assert verify_case(Case.objects.get()) == []


def test_register_number_must_be_digits(world: World, settings: Any) -> None:
    """The register stores numbers of 6–32 digits; a format that makes anything else is refused
    at registration, which gives its number back."""
    settings.REGISTER_NUMBER_FORMAT = "{authority}/{yy:02d}/{seq}"
    rita = ApiClient(world.rita)
    report = receive(rita, world)

    refused = rita.post(
        f"/reports/{report['id']}/decision", {"decision": "register", "qualification": QUALIFY}
    )

    assert_error(refused, 422, "invalid_payload")
    assert not Case.objects.exists()
    assert not RegisterSequence.objects.exists()
    assert CrimeReport.objects.get().status == ReportStatus.RECEIVED


def test_sequence_restarts_each_year_in_the_legal_zone(world: World) -> None:
    """The year of the number is the year in Almaty: 00:30 on 1 January there is still
    31 December in UTC."""
    rita = ApiClient(world.rita)

    def register_at(moment: datetime) -> str:
        with clock.frozen(moment):
            number: str = decide(
                rita, receive(rita, world)["id"], decision="register", qualification=QUALIFY
            )["register_number"]
        return number

    late = [register_at(almaty(2025, 12, 31, 23, 30)), register_at(almaty(2025, 12, 31, 23, 59))]
    new_year = almaty(2026, 1, 1, 0, 30)
    assert new_year.astimezone(ZoneInfo("UTC")).year == 2025
    early = register_at(new_year)

    assert late == ["257575110000001", "257575110000002"]
    assert early == "267575110000001"
    assert sorted(RegisterSequence.objects.values_list("year", "authority_code", "last_value")) == [
        (2025, "7511", 2),
        (2026, "7511", 1),
    ]
    assert [verify_case(c) for c in Case.objects.all()] == [[], [], []]


def test_each_authority_has_its_own_sequence(world: World) -> None:
    rita, ivan = ApiClient(world.rita), ApiClient(world.ivan)
    with clock.frozen(almaty(2025, 5, 5, 9, 0)):
        here = decide(rita, receive(rita, world)["id"], decision="register", qualification=QUALIFY)
        there = decide(
            ivan,
            receive(ivan, world, agency_id=world.other_unit.pk)["id"],
            decision="register",
            qualification=QUALIFY,
        )
        again = decide(rita, receive(rita, world)["id"], decision="register", qualification=QUALIFY)

    assert [here["register_number"], there["register_number"], again["register_number"]] == [
        "257575110000001",
        "257171110000001",
        "257575110000002",
    ]


def test_a_stale_report_cannot_be_decided_twice(world: World) -> None:
    """Two officials opened the same report; the first decision wins, the second is refused
    even though the report it holds still says "received"."""
    report = CrimeReport.objects.create(
        agency=world.unit,
        source="official_report",
        received_at=clock.now() - timedelta(hours=1),
        received_by=world.rita,
        summary="A brawl",
    )
    first, second = CrimeReport.objects.get(pk=report.pk), CrimeReport.objects.get(pk=report.pk)
    report_forward(
        report=first,
        actor=world.rita,
        status=ReportStatus.FORWARDED_ADMINISTRATIVE,
        addressee="Administrative police",
    )

    with pytest.raises(Conflict) as refused:
        report_refuse(report=second, actor=world.rita, ground="civil_dispute", reasons="x")

    assert refused.value.code == "report_decided"
    assert ReportDecision.objects.get().status == ReportStatus.FORWARDED_ADMINISTRATIVE
    assert Deadline.objects.count() == 1


def test_report_list_and_detail(world: World) -> None:
    rita = ApiClient(world.rita)
    registered = receive(rita, world)
    decide(rita, registered["id"], decision="register", qualification=QUALIFY)
    waiting = receive(rita, world, source="media", applicant=None, summary="A fire reported on TV")

    received = rita.get("/reports", status="received").json()
    detail = rita.get(f"/reports/{registered['id']}").json()

    assert [r["id"] for r in received["items"]] == [waiting["id"]]
    assert received["count"] == 1
    assert detail["status"] == ReportStatus.REGISTERED
    assert detail["applicant"] == "Testov Demo"
    assert detail["register_number"] == Case.objects.get().register_number
    assert verify_case(Case.objects.get()) == []
