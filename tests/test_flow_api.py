"""The first slice end to end through the API: intake → registration → acceptance →
qualification → participants, each visible in the journal and the projection."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command

from tergeu.cases.models import Case, Deadline, Stage
from tergeu.journal.verify import verify_case
from tests.conftest import VALID_IIN, VALID_IIN_2, ApiClient, World


def register_case(world: World, as_: ApiClient | None = None) -> dict[str, Any]:
    rita = as_ or ApiClient(world.rita)
    report = rita.post(
        "/reports",
        {
            "agency_id": world.unit.pk,
            "source": "written_statement",
            "summary": "Phone stolen from a parked car on Abay avenue",
            "applicant": {"iin": VALID_IIN, "last_name": "Testov", "first_name": "Demo"},
            "event_place": "Abay ave 10",
        },
    )
    assert report.status_code == 201, report.json()
    decided = rita.post(
        f"/reports/{report.json()['id']}/decision",
        {
            "decision": "register",
            "qualification": {"article": "188", "part": "2", "offence_category": "medium"},
        },
    )
    assert decided.status_code == 200, decided.json()
    result: dict[str, Any] = decided.json()
    return result


def test_intake_to_participants(world: World) -> None:
    report = register_case(world)
    assert report["status"] == "registered"
    number = report["register_number"]
    assert len(number) == 15
    assert number[:4] == f"{Case.objects.get().registered_at:%y}75"
    assert number[4:8] == "7511"
    assert number[8:] == "0000001"
    case_id = report["case_id"]

    head = ApiClient(world.hector)
    accepted = head.post(
        f"/cases/{case_id}/acts",
        {
            "kind": "acceptance",
            "payload": {"investigator_id": world.alice.pk, "form": "preliminary"},
        },
    )
    assert accepted.status_code == 201, accepted.json()

    alice = ApiClient(world.alice)
    qualified = alice.post(
        f"/cases/{case_id}/acts",
        {
            "kind": "qualification",
            "payload": {"article": "188", "part": "3", "offence_category": "grave"},
        },
    )
    assert qualified.status_code == 201, qualified.json()
    # From 2021 the prosecutor agrees to a qualification before it takes effect (arts 203–204).
    assert alice.get(f"/cases/{case_id}").json()["offence_category"] == "medium"
    agreed = ApiClient(world.petra).post(
        f"/cases/{case_id}/acts",
        {"kind": "decision", "payload": {"request": qualified.json()["seq"], "outcome": "granted"}},
    )
    assert agreed.status_code == 201, agreed.json()
    admitted = alice.post(
        f"/cases/{case_id}/acts",
        {
            "kind": "participant_admission",
            "payload": {"role": "victim"},
            "person": {"iin": VALID_IIN},
        },
    )
    assert admitted.status_code == 201, admitted.json()
    suspect = alice.post(
        f"/cases/{case_id}/acts",
        {
            "kind": "participant_admission",
            "payload": {"role": "suspect"},
            "person": {"iin": VALID_IIN_2, "last_name": "Suspectova", "first_name": "Demo"},
        },
    )
    assert suspect.status_code == 201, suspect.json()

    detail = alice.get(f"/cases/{case_id}").json()
    assert detail["stage"] == Stage.UNDER_INVESTIGATION
    assert detail["investigation_form"] == "preliminary"
    assert detail["qualification_part"] == "3"
    assert detail["offence_category"] == "grave"
    assert detail["lead_investigator"]["username"] == "alice"
    assert {(p["role"], p["party"]) for p in detail["participants"]} == {
        ("victim", f"iin:{VALID_IIN}"),
        ("suspect", f"iin:{VALID_IIN_2}"),
    }
    assert detail["acts_count"] == 6
    assert sorted(d["rule"] for d in detail["deadlines"]) == ["R01", "R08", "R10", "R34", "X-QUAL"]

    journal = alice.get(f"/cases/{case_id}/acts").json()
    assert [a["kind"] for a in journal["acts"]] == [
        "registration",
        "acceptance",
        "qualification",
        "decision",
        "participant_admission",
        "participant_admission",
    ]
    assert journal["acts"][1]["prev_hash"] == journal["acts"][0]["hash"]
    assert Deadline.objects.get(case_id=case_id, rule="X-QUAL").state == "met"
    assert verify_case(Case.objects.get(pk=case_id)) == []
    call_command("verify_journal", "--quiet")
