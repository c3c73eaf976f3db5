"""A refused command writes nothing. Each refusal goes through the API and must answer with the
documented error shape and status, leave every table as it was (the access log aside: reads are
logged on purpose, checked separately), and have its status declared for its endpoint in the
OpenAPI schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from tergeu.access.models import AccessChain, AccessLog
from tergeu.cases.models import Case, Stage
from tergeu.journal.verify import verify_case
from tergeu.procedure.state import from_json, to_json
from tergeu.registry.models import CrimeReport, RegisterSequence
from tests.conftest import VALID_IIN, VALID_IIN_2, ApiClient, World
from tests.test_flow_api import register_case

Body = Callable[[World], dict[str, Any]]


def database_state() -> dict[str, object]:
    """Row counts of every table but the access log (its entries and chain heads: a refused
    command's reads are logged), the register counters, and the fields a refused command could
    have changed in place."""
    state: dict[str, object] = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model not in (AccessLog, AccessChain)
    }
    state["register counters"] = list(
        RegisterSequence.objects.order_by("year", "authority_code").values_list(
            "year", "authority_code", "last_value"
        )
    )
    state["case heads"] = list(
        Case.objects.order_by("pk").values_list(
            "pk", "last_seq", "last_hash", "stage", "qualification_article", "investigation_unit"
        )
    )
    state["report statuses"] = list(
        CrimeReport.objects.order_by("pk").values_list("pk", "status", "case")
    )
    return state


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The one error shape: {"error": {"code", "message", "details"}} with the given status."""
    body: dict[str, Any] = response.json()
    assert response.status_code == status, body
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    return body


def documented_statuses(client: Client, method: str, route: str) -> set[int]:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"][route][method.lower()]
    return {int(status) for status in operation["responses"]}


def report_body(world: World, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "agency_id": world.unit.pk,
        "source": "written_statement",
        "summary": "A bicycle taken from a stairwell",
        "applicant": {"iin": VALID_IIN_2, "last_name": "Applicantova", "first_name": "Demo"},
    }
    body.update(changes)
    return body


def with_iin(iin: str) -> Body:
    return lambda w: report_body(w, applicant={"iin": iin, "last_name": "X", "first_name": "Y"})


def act(kind: str, **payload: Any) -> Body:
    return lambda w: {"kind": kind, "payload": payload}


@dataclass(frozen=True)
class Refusal:
    name: str
    persona: str
    method: str
    route: str  # as in the OpenAPI schema
    body: Body | None
    status: int
    code: str
    logged: int = 0  # access-log rows: a read through the gate is logged even when refused
    report: str = "pending"  # which report {report_id} names: "pending" or "decided"
    params: dict[str, Any] = field(default_factory=dict)


CASE_ACTS = "/api/v1/cases/{case_id}/acts"
CASE = "/api/v1/cases/{case_id}"
REPORTS = "/api/v1/reports"
DECISION = "/api/v1/reports/{report_id}/decision"
QUALIFY = {"article": "188", "part": "2", "offence_category": "medium"}

REFUSALS = [
    # Invalid IIN, each reason.
    Refusal(
        "iin_check_digit", "rita", "POST", REPORTS, with_iin("900101300018"), 422, "invalid_iin"
    ),
    Refusal(
        "iin_birth_date", "rita", "POST", REPORTS, with_iin("901301300017"), 422, "invalid_iin"
    ),
    Refusal("iin_feb_30", "rita", "POST", REPORTS, with_iin("900230300017"), 422, "invalid_iin"),
    Refusal("iin_11_digits", "rita", "POST", REPORTS, with_iin("90010130001"), 422, "invalid_iin"),
    Refusal("iin_century", "rita", "POST", REPORTS, with_iin("900101700017"), 422, "invalid_iin"),
    Refusal(
        "iin_superscript", "rita", "POST", REPORTS, with_iin("90010130001²"), 422, "invalid_iin"
    ),
    Refusal(
        "iin_on_admission",
        "alice",
        "POST",
        CASE_ACTS,
        lambda w: {
            "kind": "participant_admission",
            "payload": {"role": "witness"},
            "person": {"iin": "900101300018", "last_name": "X", "first_name": "Y"},
        },
        422,
        "invalid_iin",
        logged=1,
    ),
    Refusal(
        "iin_birth_date_mismatch",
        "alice",
        "POST",
        CASE_ACTS,
        lambda w: {
            "kind": "participant_admission",
            "payload": {"role": "witness"},
            "person": {
                "iin": VALID_IIN_2,
                "birth_date": "1985-06-16",
                "last_name": "X",
                "first_name": "Y",
            },
        },
        422,
        "iin_birth_date_mismatch",
        logged=1,
    ),
    Refusal(
        "new_person_without_name",
        "alice",
        "POST",
        CASE_ACTS,
        lambda w: {
            "kind": "participant_admission",
            "payload": {"role": "witness"},
            "person": {"iin": VALID_IIN_2},
        },
        422,
        "person_name_required",
        logged=1,
    ),
    Refusal(
        "person_and_another_party",
        "alice",
        "POST",
        CASE_ACTS,
        lambda w: {
            "kind": "participant_admission",
            "payload": {"role": "witness", "party": f"iin:{VALID_IIN_2}"},
            "person": {"iin": VALID_IIN},
        },
        422,
        "invalid_payload",
        logged=1,
    ),
    Refusal(
        "party_not_in_register",
        "alice",
        "POST",
        CASE_ACTS,
        act("participant_admission", party=f"iin:{VALID_IIN_2}", role="witness"),
        422,
        "party_unknown",
        logged=1,
    ),
    # Act kinds and payload schemas.
    Refusal(
        "unknown_kind",
        "alice",
        "POST",
        CASE_ACTS,
        act("confession", text="x"),
        422,
        "unknown_act_kind",
        logged=1,
    ),
    Refusal(
        "extra_field",
        "alice",
        "POST",
        CASE_ACTS,
        act("note", text="x", extra=1),
        422,
        "invalid_payload",
        logged=1,
    ),
    Refusal(
        "missing_field", "alice", "POST", CASE_ACTS, act("note"), 422, "invalid_payload", logged=1
    ),
    Refusal(
        "blank_text",
        "alice",
        "POST",
        CASE_ACTS,
        act("note", text="   "),
        422,
        "invalid_payload",
        logged=1,
    ),
    Refusal(
        "wrong_type",
        "alice",
        "POST",
        CASE_ACTS,
        act("qualification", article=188, offence_category="medium"),
        422,
        "invalid_payload",
        logged=1,
    ),
    Refusal(
        "bad_article",
        "alice",
        "POST",
        CASE_ACTS,
        act("qualification", article="18a", offence_category="medium"),
        422,
        "invalid_payload",
        logged=1,
    ),
    Refusal(
        "foreign_digits_article",
        "alice",
        "POST",
        CASE_ACTS,
        act("qualification", article="١٨٨", offence_category="medium"),
        422,
        "invalid_payload",
        logged=1,
    ),
    Refusal(
        "unknown_category",
        "alice",
        "POST",
        CASE_ACTS,
        act("qualification", article="188", offence_category="dreadful"),
        422,
        "invalid_payload",
        logged=1,
    ),
    Refusal(
        "id_beyond_64_bits",
        "hector",
        "POST",
        CASE_ACTS,
        act("acceptance", investigator_id=10**30, form="inquiry"),
        422,
        "invalid_payload",
        logged=1,
    ),
    Refusal(
        "nul_character",
        "alice",
        "POST",
        CASE_ACTS,
        act("note", text="before\x00after"),
        422,
        "nul_character",
    ),
    Refusal(
        "naive_performed_at",
        "alice",
        "POST",
        CASE_ACTS,
        lambda w: {"kind": "note", "payload": {"text": "x"}, "performed_at": "2024-01-01T10:00"},
        422,
        "invalid_input",
    ),
    # No zone is 16 hours from UTC, and PostgreSQL cannot store such an offset: it was a 500.
    Refusal(
        "performed_at_offset_of_no_zone",
        "alice",
        "POST",
        CASE_ACTS,
        lambda w: {
            "kind": "note",
            "payload": {"text": "x"},
            "performed_at": "2024-01-01T10:00:00-16:11",
        },
        422,
        "invalid_input",
    ),
    Refusal(
        "received_at_offset_of_no_zone",
        "rita",
        "POST",
        REPORTS,
        lambda w: report_body(w, received_at="2024-01-01T10:00:00-16:11"),
        422,
        "invalid_input",
    ),
    # Year 1 at +05:00 is in year 0 at UTC, which Python cannot hold: the procedure engine's
    # reading of the moment overflowed, a 500.
    Refusal(
        "payload_moment_before_year_1_in_utc",
        "alice",
        "POST",
        CASE_ACTS,
        act(
            "detention",
            party=f"iin:{VALID_IIN}",
            detained_at="0001-01-01T00:00:00+05:00",
            minor=False,
            grounds="x",
        ),
        422,
        "invalid_payload",
        logged=1,
    ),
    Refusal(
        "performed_in_future",
        "alice",
        "POST",
        CASE_ACTS,
        lambda w: {"kind": "note", "payload": {"text": "x"}, "performed_at": "2999-01-01T10:00Z"},
        422,
        "performed_in_future",
        logged=1,
    ),
    # Guards of the act kinds.
    Refusal(
        "investigator_of_another_unit",
        "hector",
        "POST",
        CASE_ACTS,
        lambda w: {
            "kind": "acceptance",
            "payload": {"investigator_id": w.ivan.pk, "form": "inquiry"},
        },
        422,
        "not_in_unit",
        logged=1,
    ),
    Refusal(
        "transfer_to_a_prosecutor",
        "hector",
        "POST",
        CASE_ACTS,
        lambda w: {
            "kind": "jurisdiction_transfer",
            "payload": {
                "to_unit_id": w.district_office.pk,
                "supervising_office_id": w.district_office.pk,
                "reason": "x",
            },
        },
        422,
        "invalid_unit",
        logged=1,
    ),
    Refusal(
        "procedural_prosecutor_not_a_prosecutor",
        "petra",
        "POST",
        CASE_ACTS,
        lambda w: {
            "kind": "procedural_prosecutor_assignment",
            "payload": {"prosecutor_id": w.alice.pk},
        },
        422,
        "not_a_supervising_prosecutor",
        logged=1,
    ),
    Refusal(
        "duplicate_participant",
        "alice",
        "POST",
        CASE_ACTS,
        lambda w: {
            "kind": "participant_admission",
            "payload": {"role": "victim"},
            "person": {"iin": VALID_IIN},
        },
        409,
        "participant_exists",
        logged=1,
    ),
    Refusal(
        "registration_via_append",
        "alice",
        "POST",
        CASE_ACTS,
        act("registration", register_number="000000000000001"),
        422,
        "registration_via_report",
        logged=1,
    ),
    Refusal(
        "attachment_via_append",
        "alice",
        "POST",
        CASE_ACTS,
        act("attachment", sha256="0" * 64, filename="ghost.pdf", size=1, mime="application/pdf"),
        422,
        "attachment_via_upload",
        logged=1,
    ),
    # Roles.
    Refusal(
        "registrar_qualifies",
        "rita",
        "POST",
        CASE_ACTS,
        act("qualification", **QUALIFY),
        403,
        "role_not_allowed",
        logged=1,
    ),
    Refusal(
        "investigator_transfers",
        "alice",
        "POST",
        CASE_ACTS,
        lambda w: {
            "kind": "jurisdiction_transfer",
            "payload": {
                "to_unit_id": w.other_unit.pk,
                "supervising_office_id": w.other_office.pk,
                "reason": "Committed in Astana",
            },
        },
        403,
        "role_not_allowed",
        logged=1,
    ),
    Refusal(
        "investigator_assigns_prosecutor",
        "alice",
        "POST",
        CASE_ACTS,
        lambda w: {
            "kind": "procedural_prosecutor_assignment",
            "payload": {"prosecutor_id": w.petra.pk},
        },
        403,
        "role_not_allowed",
        logged=1,
    ),
    Refusal(
        "outsider_receives_report", "oscar", "POST", REPORTS, report_body, 403, "role_not_allowed"
    ),
    Refusal(
        "prosecutor_decides_report",
        "petra",
        "POST",
        DECISION,
        lambda w: {"decision": "refuse", "ground": "civil_dispute", "reasons": "x"},
        403,
        "role_not_allowed",
        logged=1,
    ),
    # Cases and reports the user may not see: 404, as for an id that does not exist.
    Refusal(
        "other_unit_appends",
        "ivan",
        "POST",
        CASE_ACTS,
        act("note", text="x"),
        404,
        "case_not_found",
    ),
    Refusal(
        "same_unit_unassigned_appends",
        "victor",
        "POST",
        CASE_ACTS,
        act("note", text="x"),
        404,
        "case_not_found",
    ),
    Refusal(
        "outsider_appends", "oscar", "POST", CASE_ACTS, act("note", text="x"), 404, "case_not_found"
    ),
    Refusal(
        "administrator_appends",
        "adam",
        "POST",
        CASE_ACTS,
        act("note", text="x"),
        404,
        "case_not_found",
    ),
    Refusal("outsider_reads", "oscar", "GET", CASE, None, 404, "case_not_found"),
    Refusal(
        "other_unit_decides",
        "ivan",
        "POST",
        DECISION,
        lambda w: {"decision": "register", "qualification": QUALIFY},
        404,
        "report_not_found",
    ),
    Refusal(
        "unknown_agency",
        "rita",
        "POST",
        REPORTS,
        lambda w: report_body(w, agency_id=999999),
        404,
        "not_found",
    ),
    # Crime reports.
    Refusal(
        "anonymous_statement",
        "rita",
        "POST",
        REPORTS,
        lambda w: report_body(w, applicant=None),
        422,
        "applicant_required",
    ),
    Refusal(
        "naive_received_at",
        "rita",
        "POST",
        REPORTS,
        lambda w: report_body(w, received_at="2024-01-01T10:00:00"),
        422,
        "invalid_input",
    ),
    Refusal(
        "nul_in_summary",
        "rita",
        "POST",
        REPORTS,
        lambda w: report_body(w, summary="a\x00b"),
        422,
        "nul_character",
    ),
    Refusal(
        "decided_twice",
        "rita",
        "POST",
        DECISION,
        lambda w: {"decision": "refuse", "ground": "civil_dispute", "reasons": "x"},
        409,
        "report_decided",
        logged=1,
        report="decided",
    ),
    Refusal(
        "registered_twice",
        "rita",
        "POST",
        DECISION,
        lambda w: {"decision": "register", "qualification": QUALIFY},
        409,
        "report_decided",
        logged=1,
        report="decided",
    ),
    Refusal(
        "refusal_without_ground",
        "rita",
        "POST",
        DECISION,
        lambda w: {"decision": "refuse", "reasons": "Nothing happened"},
        422,
        "invalid_ground",
        logged=1,
    ),
    Refusal(
        "refusal_without_reasons",
        "rita",
        "POST",
        DECISION,
        lambda w: {"decision": "refuse", "ground": "civil_dispute"},
        422,
        "reasons_required",
        logged=1,
    ),
    Refusal(
        "forward_without_addressee",
        "rita",
        "POST",
        DECISION,
        lambda w: {"decision": "forward_audit"},
        422,
        "addressee_required",
        logged=1,
    ),
    Refusal(
        "transfer_to_own_body",
        "rita",
        "POST",
        DECISION,
        lambda w: {"decision": "transfer", "to_agency_id": w.unit.pk},
        422,
        "invalid_agency",
        logged=1,
    ),
    Refusal(
        "registration_with_bad_qualification",
        "rita",
        "POST",
        DECISION,
        lambda w: {"decision": "register", "qualification": {**QUALIFY, "offence_category": "x"}},
        422,
        "invalid_payload",
        logged=1,
    ),
    Refusal(
        "registration_into_another_unit",
        "rita",
        "POST",
        DECISION,
        lambda w: {
            "decision": "register",
            "qualification": QUALIFY,
            "investigation_unit_id": w.other_unit.pk,
        },
        403,
        "role_not_allowed",
        logged=1,
    ),
    Refusal(
        "registration_with_a_police_supervisor",
        "rita",
        "POST",
        DECISION,
        lambda w: {
            "decision": "register",
            "qualification": QUALIFY,
            "supervising_office_id": w.other_unit.pk,
        },
        422,
        "invalid_office",
        logged=1,
    ),
    Refusal(
        "unknown_decision",
        "rita",
        "POST",
        DECISION,
        lambda w: {"decision": "ignore"},
        422,
        "invalid_input",
    ),
    Refusal(
        "nul_in_query",
        "alice",
        "GET",
        "/api/v1/cases",
        None,
        422,
        "nul_character",
        params={"q": "a\x00"},
    ),
]


@pytest.fixture
def scene(world: World) -> dict[str, int]:
    """A registered case accepted by Alice with one victim, the report that opened it, and a
    second report still awaiting a decision."""
    registered = register_case(world)
    case_id = registered["case_id"]
    hector, alice = ApiClient(world.hector), ApiClient(world.alice)
    accepted = hector.post(
        f"/cases/{case_id}/acts",
        {"kind": "acceptance", "payload": {"investigator_id": world.alice.pk, "form": "inquiry"}},
    )
    assert accepted.status_code == 201, accepted.json()
    victim = alice.post(
        f"/cases/{case_id}/acts",
        {
            "kind": "participant_admission",
            "payload": {"role": "victim"},
            "person": {"iin": VALID_IIN},
        },
    )
    assert victim.status_code == 201, victim.json()
    pending = ApiClient(world.rita).post(
        "/reports", {"agency_id": world.unit.pk, "source": "official_report", "summary": "Fight"}
    )
    assert pending.status_code == 201, pending.json()
    return {"case_id": case_id, "decided": registered["id"], "pending": pending.json()["id"]}


def _send(client: ApiClient, refusal: Refusal, world: World, scene: dict[str, int]) -> Any:
    path = refusal.route.format(case_id=scene["case_id"], report_id=scene[refusal.report])
    path = path.removeprefix("/api/v1")
    if refusal.method == "GET":
        return client.get(path, **refusal.params)
    assert refusal.body is not None
    return client.post(path, refusal.body(world))


@pytest.mark.parametrize("refusal", REFUSALS, ids=[r.name for r in REFUSALS])
def test_refusal_writes_nothing(refusal: Refusal, world: World, scene: dict[str, int]) -> None:
    client = ApiClient(getattr(world, refusal.persona))
    before, logs_before = database_state(), AccessLog.objects.count()

    response = _send(client, refusal, world, scene)

    assert_error(response, refusal.status, refusal.code)
    assert database_state() == before
    assert AccessLog.objects.count() - logs_before == refusal.logged
    assert refusal.status in documented_statuses(client.client, refusal.method, refusal.route)
    assert verify_case(Case.objects.get(pk=scene["case_id"])) == []


def test_wrong_stage_writes_nothing(world: World, scene: dict[str, int]) -> None:
    """The case is put in a terminal stage by hand (rather than by a termination and its
    approval) to test the refusal alone."""
    case = Case.objects.get(pk=scene["case_id"])
    state = replace(from_json(case.procedure), stage=Stage.TERMINATED)
    Case.objects.filter(pk=case.pk).update(stage=Stage.TERMINATED, procedure=to_json(state))
    alice = ApiClient(world.alice)
    before = database_state()

    response = alice.post(
        f"/cases/{scene['case_id']}/acts", {"kind": "qualification", "payload": QUALIFY}
    )

    body = assert_error(response, 409, "stage_not_allowed")
    details = body["error"]["details"]
    assert details["stage"] == "terminated"
    assert "under_investigation" in details["allowed"]
    assert [r["code"] for r in details["reasons"]] == ["stage_not_allowed"]
    assert database_state() == before
    assert 409 in documented_statuses(alice.client, "POST", CASE_ACTS)


def test_unparseable_body_writes_nothing(world: World, scene: dict[str, int]) -> None:
    alice = ApiClient(world.alice)
    before = database_state()

    response = alice.client.post(
        f"/api/v1/cases/{scene['case_id']}/acts",
        "{not json",
        content_type="application/json",
        headers=alice.headers,
    )

    assert_error(response, 400, "http_error")
    assert database_state() == before
    assert 400 in documented_statuses(alice.client, "POST", CASE_ACTS)


def test_unauthenticated_writes_nothing(world: World, scene: dict[str, int]) -> None:
    client = Client(enforce_csrf_checks=True)
    before = database_state()

    response = client.post(
        f"/api/v1/cases/{scene['case_id']}/acts",
        {"kind": "note", "payload": {"text": "x"}},
        content_type="application/json",
    )

    assert_error(response, 401, "unauthenticated")
    assert database_state() == before
    assert 401 in documented_statuses(client, "POST", CASE_ACTS)


def test_a_refused_registration_gives_its_number_back(world: World, scene: dict[str, int]) -> None:
    """The number is allocated before the registration act is refused; the refusal rolls the
    counter back, so the next registration takes the next number, not one after a gap."""
    rita = ApiClient(world.rita)
    refused = rita.post(
        f"/reports/{scene['pending']}/decision",
        {
            "decision": "register",
            "qualification": QUALIFY,
            "investigation_unit_id": world.other_unit.pk,
        },
    )
    assert_error(refused, 403, "role_not_allowed")

    registered = rita.post(
        f"/reports/{scene['pending']}/decision", {"decision": "register", "qualification": QUALIFY}
    )

    assert registered.status_code == 200, registered.json()
    assert registered.json()["register_number"].endswith("0000002")
    assert RegisterSequence.objects.get().last_value == 2
