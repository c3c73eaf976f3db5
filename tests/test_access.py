"""The access gate through the API: who sees a case, what everyone else gets (404 as for a case
that does not exist, never 403), authentication, CSRF for the browser's session, the access log,
and how a transfer by jurisdiction moves access from one unit to another."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils.crypto import get_random_string

from tergeu import clock
from tergeu.access.models import AccessLog, Surface
from tergeu.accounts.models import ApiToken, Appointment, Official, Role
from tergeu.cases.models import Case
from tergeu.journal.models import Act
from tergeu.journal.verify import verify_case
from tests.conftest import ApiClient, World
from tests.test_flow_api import register_case
from tests.test_refusals import assert_error


@pytest.fixture
def scene(world: World) -> dict[str, int]:
    """A case registered by Rita, accepted by Hector for Alice, with one attachment; plus a
    prosecutor of the General Prosecutor's Office (Gina) and of the Astana office (Otto)."""
    World.official("gina", world.gpo, Role.PROSECUTOR)
    World.official("otto", world.other_office, Role.PROSECUTOR)
    registered = register_case(world)
    case_id = registered["case_id"]
    accepted = ApiClient(world.hector).post(
        f"/cases/{case_id}/acts",
        {"kind": "acceptance", "payload": {"investigator_id": world.alice.pk, "form": "inquiry"}},
    )
    assert accepted.status_code == 201, accepted.json()
    uploaded = ApiClient(world.alice).upload(f"/cases/{case_id}/attachments", "a.txt", b"notes")
    assert uploaded.status_code == 201, uploaded.json()
    return {"case_id": case_id, "report_id": registered["id"], "seq": uploaded.json()["seq"]}


def persona(world: World, name: str) -> Official:
    found = getattr(world, name, None)
    return found if isinstance(found, Official) else Official.objects.get(username=name)


SEES = ["alice", "rita", "hector", "petra", "olga", "gina"]
REFUSED = ["victor", "ivan", "oscar", "adam", "otto"]


@pytest.mark.parametrize("name", SEES + REFUSED)
def test_who_sees_the_case(name: str, world: World, scene: dict[str, int]) -> None:
    client = ApiClient(persona(world, name))
    case_id, visible = scene["case_id"], name in SEES

    listed = client.get("/cases").json()
    detail = client.get(f"/cases/{case_id}")
    journal = client.get(f"/cases/{case_id}/acts")
    attachment = client.get(f"/cases/{case_id}/attachments/{scene['seq']}")

    assert ([item["id"] for item in listed["items"]] == [case_id]) is visible
    assert listed["count"] == (1 if visible else 0)
    expected = 200 if visible else 404
    assert (detail.status_code, journal.status_code, attachment.status_code) == (expected,) * 3
    if visible:
        assert detail.json()["register_number"] == Case.objects.get().register_number
        assert [a["seq"] for a in journal.json()["acts"]] == [1, 2, 3]
        assert b"".join(attachment.streaming_content) == b"notes"


@dataclass(frozen=True)
class Endpoint:
    method: str
    route: str  # as in the OpenAPI schema
    body: dict[str, Any] | None = None

    def path(self, scene: dict[str, int], **ids: int) -> str:
        values = {**scene, **ids}
        return self.route.removeprefix("/api/v1").format(
            case_id=values["case_id"],
            report_id=values["report_id"],
            seq=values["seq"],
            number=values.get("number", 1),
        )

    def call(self, client: ApiClient, path: str) -> Any:
        if self.method == "GET":
            return client.get(path)
        if self.route.endswith("/attachments"):
            return client.upload(path, "a.txt", b"hello")
        if self.route.endswith("/evidence"):  # the defence's and the seized: multipart
            from django.core.files.uploadedfile import SimpleUploadedFile

            form = {**(self.body or {}), "file": SimpleUploadedFile("a.txt", b"hello")}
            return client.client.post(f"/api/v1{path}", form, headers=client.headers)
        return client.post(path, self.body)


NOTE = {"kind": "note", "payload": {"text": "x"}}
REFUSE = {"decision": "refuse", "ground": "civil_dispute", "reasons": "x"}
CLIENT = "iin:900101300017"
PHONE = "+77011234567"
HIDDEN_ENDPOINTS = [
    Endpoint("GET", "/api/v1/cases/{case_id}"),
    Endpoint("GET", "/api/v1/cases/{case_id}/acts"),
    Endpoint("GET", "/api/v1/cases/{case_id}/acts/allowed"),
    Endpoint("POST", "/api/v1/cases/{case_id}/acts", NOTE),
    Endpoint("POST", "/api/v1/cases/{case_id}/attachments"),
    Endpoint("GET", "/api/v1/cases/{case_id}/attachments/{seq}"),
    Endpoint("GET", "/api/v1/reports/{report_id}"),
    # Procedural documents as PDF (tests/test_documents.py).
    Endpoint("GET", "/api/v1/cases/{case_id}/acts/{seq}/document"),
    Endpoint("GET", "/api/v1/cases/{case_id}/compartments/{number}/acts/{seq}/document"),
    Endpoint("GET", "/api/v1/reports/{report_id}/document"),
    # Signing acts' documents (tests/test_act_signing.py).
    Endpoint("GET", "/api/v1/cases/{case_id}/acts/{seq}/signatures"),
    Endpoint("POST", "/api/v1/cases/{case_id}/acts/{seq}/signatures", {"lang": "ru"}),
    Endpoint("POST", "/api/v1/cases/{case_id}/acts/{seq}/signatures/prepare", {"lang": "ru"}),
    Endpoint("GET", "/api/v1/cases/{case_id}/compartments/{number}/acts/{seq}/signatures"),
    Endpoint(
        "POST",
        "/api/v1/cases/{case_id}/compartments/{number}/acts/{seq}/signatures",
        {"lang": "ru"},
    ),
    Endpoint(
        "POST",
        "/api/v1/cases/{case_id}/compartments/{number}/acts/{seq}/signatures/prepare",
        {"lang": "ru"},
    ),
    Endpoint("POST", "/api/v1/reports/{report_id}/decision", REFUSE),
    Endpoint(
        "POST", "/api/v1/cases/{case_id}/defence/appointments", {"party": CLIENT, "lawyer_id": 1}
    ),
    Endpoint(
        "POST",
        "/api/v1/cases/{case_id}/defence/ends",
        {"party": CLIENT, "lawyer_id": 1, "reasons": "x"},
    ),
    Endpoint(
        "POST",
        "/api/v1/cases/{case_id}/defence/motions",
        {"party": CLIENT, "matter": "other", "text": "x"},
    ),
    Endpoint("POST", "/api/v1/cases/{case_id}/defence/motions/{seq}/complaint", {"grounds": "x"}),
    Endpoint(
        "POST", "/api/v1/cases/{case_id}/defence/evidence", {"party": CLIENT, "description": "x"}
    ),
    Endpoint("GET", "/api/v1/cases/{case_id}/defence/disclosures"),
    # The case's bundle for the offline verifier (tests/test_export.py).
    Endpoint("GET", "/api/v1/cases/{case_id}/export"),
    # Evidence and its chain of custody (tests/test_evidence.py).
    Endpoint("GET", "/api/v1/cases/{case_id}/evidence"),
    Endpoint(
        "POST",
        "/api/v1/cases/{case_id}/evidence",
        {"description": "x", "nature": "digital", "place": "x"},
    ),
    Endpoint("POST", "/api/v1/cases/{case_id}/evidence/{number}/custody", {"step": "seal"}),
    Endpoint("GET", "/api/v1/cases/{case_id}/evidence/{number}/label"),
    # Covert compartments (tests/test_covert.py): a case hidden from the caller is not found
    # before any compartment is looked for.
    Endpoint("GET", "/api/v1/cases/{case_id}/compartments"),
    Endpoint("GET", "/api/v1/cases/{case_id}/compartments/{number}"),
    Endpoint("POST", "/api/v1/cases/{case_id}/compartments/{number}/acts", NOTE),
    # The integrity log (tests/test_integrity.py): proofs only of acts the caller may read.
    Endpoint("GET", "/api/v1/cases/{case_id}/acts/{seq}/proof"),
    Endpoint("GET", "/api/v1/cases/{case_id}/compartments/{number}/acts/{seq}/proof"),
    Endpoint("POST", "/api/v1/cases/{case_id}/contacts", {"party": CLIENT, "phone": PHONE}),
    Endpoint("POST", "/api/v1/cases/{case_id}/family-notices", {"party": CLIENT, "phone": PHONE}),
    # Who read the case (tests/test_audit.py): its procedural prosecutor and auditors.
    Endpoint("GET", "/api/v1/cases/{case_id}/readers"),
]
LIST_ENDPOINTS = [
    Endpoint("GET", "/api/v1/cases"),
    Endpoint("GET", "/api/v1/reports"),
    Endpoint("GET", "/api/v1/me/queue"),
    Endpoint("GET", "/api/v1/me/notifications"),
    # Prosecutors only (403 for others); tests/test_supervision.py.
    Endpoint("GET", "/api/v1/supervision"),
]
OTHER_ENDPOINTS = [
    Endpoint("POST", "/api/v1/reports", {"agency_id": 0, "source": "media", "summary": "x"}),
    Endpoint("GET", "/api/v1/me"),
    Endpoint("POST", "/api/v1/defence/notices", {"register_number": "1", "client_iin": "1"}),
    Endpoint("POST", "/api/v1/me/notifications/read", {}),
    # The integrity log's signed heads, consistency proofs and key: for any signed-in official;
    # they name no case (tests/test_integrity.py).
    Endpoint("GET", "/api/v1/log/head"),
    Endpoint("GET", "/api/v1/log/consistency"),
    Endpoint("GET", "/api/v1/log/key"),
    # Break-glass access to a case outside one's team (tests/test_audit.py).
    Endpoint("POST", "/api/v1/break-glass", {"register_number": "1", "reason": "x"}),
]
ALL_ENDPOINTS = HIDDEN_ENDPOINTS + LIST_ENDPOINTS + OTHER_ENDPOINTS


def test_every_endpoint_is_in_these_tests(world: World) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    published = {
        (method.upper(), route) for route, ops in schema["paths"].items() for method in ops
    }
    assert published == {(e.method, e.route) for e in ALL_ENDPOINTS}


def _without_ids(body: dict[str, Any]) -> dict[str, Any]:
    details = {k: v for k, v in body["error"]["details"].items() if not k.endswith("_id")}
    return {"error": {**body["error"], "details": details}}


@pytest.mark.parametrize(
    ("endpoint", "name"),
    [
        pytest.param(endpoint, name, id=f"{endpoint.method} {endpoint.route} {name}")
        for endpoint in HIDDEN_ENDPOINTS
        for name in REFUSED
        # Victor works in the unit that received the report: its КУИ is his, the case is not.
        if not (name == "victor" and "{report_id}" in endpoint.route)
    ],
)
def test_hidden_is_not_found_like_nonexistent(
    endpoint: Endpoint, name: str, world: World, scene: dict[str, int]
) -> None:
    client = ApiClient(persona(world, name))
    acts_before = Act.objects.count()

    hidden = endpoint.call(client, endpoint.path(scene))
    missing = endpoint.call(client, endpoint.path(scene, case_id=99999, report_id=99999))

    code = "report_not_found" if "{report_id}" in endpoint.route else "case_not_found"
    assert_error(hidden, 404, code)
    assert_error(missing, 404, code)
    assert _without_ids(hidden.json()) == _without_ids(missing.json())
    assert hidden["Content-Type"] == missing["Content-Type"]
    assert Act.objects.count() == acts_before
    assert not AccessLog.objects.filter(official__username=name).exists()


@pytest.mark.parametrize("name", REFUSED)
def test_lists_leave_out_what_is_hidden(name: str, world: World, scene: dict[str, int]) -> None:
    client = ApiClient(persona(world, name))

    cases = client.get("/cases", q=Case.objects.get().register_number).json()
    reports = client.get("/reports").json()

    assert cases["items"] == []
    assert cases["count"] == 0
    assert client.get("/me/queue").json()["items"] == []
    # Victor works in the unit that received the report: its КУИ is his, the case is not.
    assert [r["id"] for r in reports["items"]] == ([scene["report_id"]] if name == "victor" else [])


def test_outsider_cannot_receive_reports_for_a_body(world: World, scene: dict[str, int]) -> None:
    oscar = ApiClient(world.oscar)
    response = oscar.post(
        "/reports", {"agency_id": world.unit.pk, "source": "media", "summary": "A fire"}
    )
    assert_error(response, 403, "role_not_allowed")


@pytest.mark.parametrize("endpoint", ALL_ENDPOINTS, ids=lambda e: f"{e.method} {e.route}")
@pytest.mark.parametrize("credentials", ["none", "bad token", "revoked token", "inactive"])
def test_unauthenticated_gets_401(
    endpoint: Endpoint, credentials: str, world: World, scene: dict[str, int]
) -> None:
    client = ApiClient(world.alice)
    client.client = Client(enforce_csrf_checks=True)
    if credentials == "none":
        client.headers = {}
    elif credentials == "bad token":
        client.headers = {"Authorization": "Bearer tg_not-a-token"}
    elif credentials == "revoked token":
        ApiToken.objects.filter(official=world.alice).update(revoked_at=clock.now())
    else:
        Official.objects.filter(pk=world.alice.pk).update(is_active=False)
    acts_before = Act.objects.count()

    response = endpoint.call(client, endpoint.path(scene))

    assert_error(response, 401, "unauthenticated")
    assert Act.objects.count() == acts_before


class TestBrowserSession:
    """The web UI calls the API with its session cookie: reads need only the session, writes
    also the CSRF token."""

    @staticmethod
    def signed_in(official: Official) -> Client:
        client = Client(enforce_csrf_checks=True)
        client.force_login(official)
        return client

    def test_session_reads(self, world: World, scene: dict[str, int]) -> None:
        response = self.signed_in(world.alice).get(f"/api/v1/cases/{scene['case_id']}")
        assert response.status_code == 200
        assert AccessLog.objects.filter(official=world.alice, action="view_case").count() == 1

    def test_session_write_without_csrf_is_refused(
        self, world: World, scene: dict[str, int]
    ) -> None:
        before = Act.objects.count()
        response = self.signed_in(world.alice).post(
            f"/api/v1/cases/{scene['case_id']}/acts", NOTE, content_type="application/json"
        )
        assert_error(response, 403, "http_error")
        assert "CSRF" in response.json()["error"]["message"]
        assert Act.objects.count() == before

    def test_session_write_with_csrf(self, world: World, scene: dict[str, int]) -> None:
        client = self.signed_in(world.alice)
        token = get_random_string(32)
        client.cookies["csrftoken"] = token
        response = client.post(
            f"/api/v1/cases/{scene['case_id']}/acts",
            NOTE,
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
        assert response.status_code == 201, response.json()
        assert response.json()["actor_id"] == world.alice.pk
        assert verify_case(Case.objects.get()) == []


READS = [
    ("/cases", "list_cases", False),
    ("/cases/{case_id}", "view_case", True),
    ("/cases/{case_id}/acts", "view_journal", True),
    ("/cases/{case_id}/acts/allowed", "view_case", True),
    ("/cases/{case_id}/attachments/{seq}", "download_attachment", True),
    ("/cases/{case_id}/acts/{seq}/document", "download_document", True),
    ("/cases/{case_id}/acts/{seq}/signatures", "view_signatures", True),
    ("/reports/{report_id}/document", "download_document", False),
    ("/reports", "list_reports", False),
    ("/reports/{report_id}", "view_report", False),
    ("/cases/{case_id}/defence/disclosures", "view_disclosures", True),
]


@pytest.mark.parametrize(("path", "action", "names_case"), READS)
def test_every_read_is_logged(
    path: str, action: str, names_case: bool, world: World, scene: dict[str, int]
) -> None:
    petra = ApiClient(world.petra)
    before = set(AccessLog.objects.values_list("pk", flat=True))

    response = petra.get(path.format(**scene))

    assert response.status_code == 200
    (entry,) = AccessLog.objects.exclude(pk__in=before)
    assert (entry.official, entry.action, entry.surface) == (world.petra, action, Surface.API)
    assert entry.case_id == (scene["case_id"] if names_case else None)
    if action == "view_report":
        assert entry.detail == {"report_id": scene["report_id"]}
    if action == "list_cases":
        assert entry.detail["case_ids"] == [scene["case_id"]]


def test_prosecutors_act_as_prosecutors(world: World, scene: dict[str, int]) -> None:
    response = ApiClient(world.olga).post(f"/cases/{scene['case_id']}/acts", NOTE)
    assert response.status_code == 201, response.json()
    assert response.json()["actor_role"] == Role.PROSECUTOR
    assert verify_case(Case.objects.get()) == []


def test_transfer_moves_access_to_the_new_unit(world: World, scene: dict[str, int]) -> None:
    """Art. 186: after the transfer the old unit (its investigator, registrar and head) and the
    old supervising office lose the case; the new unit's head gains it, and the new unit's
    investigator once the head accepts the case for them."""
    helga = World.official("helga", world.other_unit, Role.INVESTIGATION_HEAD)
    case_id = scene["case_id"]
    transferred = ApiClient(world.hector).post(
        f"/cases/{case_id}/acts",
        {
            "kind": "jurisdiction_transfer",
            "payload": {
                "to_unit_id": world.other_unit.pk,
                "supervising_office_id": world.other_office.pk,
                "reason": "The theft was committed in Astana",
            },
        },
    )
    assert transferred.status_code == 201, transferred.json()

    def status(name: str) -> int:
        code: int = ApiClient(persona(world, name)).get(f"/cases/{case_id}").status_code
        return code

    assert {n: status(n) for n in ["alice", "rita", "hector", "petra", "olga"]} == dict.fromkeys(
        ["alice", "rita", "hector", "petra", "olga"], 404
    )
    assert {n: status(n) for n in ["helga", "otto", "gina"]} == dict.fromkeys(
        ["helga", "otto", "gina"], 200
    )
    assert status("ivan") == 404

    accepted = ApiClient(helga).post(
        f"/cases/{case_id}/acts",
        {"kind": "acceptance", "payload": {"investigator_id": world.ivan.pk, "form": "inquiry"}},
    )
    assert accepted.status_code == 201, accepted.json()
    assert status("ivan") == 200
    assert ApiClient(world.alice).post(f"/cases/{case_id}/acts", NOTE).status_code == 404
    assert verify_case(Case.objects.get()) == []


def test_appointment_ends_access(world: World, scene: dict[str, int]) -> None:
    """Access follows the appointment, not a stored grant: a head moved to another post no
    longer sees the unit's cases."""
    hector = ApiClient(world.hector)
    assert hector.get(f"/cases/{scene['case_id']}").status_code == 200
    Appointment.objects.filter(official=world.hector).update(agency=world.other_unit)

    assert_error(hector.get(f"/cases/{scene['case_id']}"), 404, "case_not_found")
