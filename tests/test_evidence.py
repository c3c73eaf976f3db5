"""Evidence and its chain of custody through the API: an item seized (a digital one with its
file, stored once under its SHA-256), sealed, handed over, examined, sealed again, returned; the
refusals that keep the chain honest write nothing; the label carries the case's number, the
item's and a QR code; the journal and the items agree."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from tergeu.attachments.models import Blob
from tergeu.cases.models import Case
from tergeu.evidence.models import EvidenceItem
from tergeu.evidence.services import evidence_verify
from tergeu.journal.verify import verify_case
from tests.conftest import ApiClient, World, open_case
from tests.test_refusals import assert_error, database_state

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Evidence:
    def __init__(self, world: World) -> None:
        self.world = world
        self.case: Case = open_case(world, notes=0)
        self.alice = ApiClient(world.alice)

    @property
    def path(self) -> str:
        return f"/cases/{self.case.pk}/evidence"

    def seize(self, description: str = "Нож с деревянной ручкой, қара қап", **more: Any) -> Any:
        form = {"description": description, "nature": "physical", "place": "Абай даңғылы 10"}
        form |= more
        return self.alice.client.post(f"/api/v1{self.path}", form, headers=self.alice.headers)

    def upload(self, content: bytes, name: str = "photo.png") -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        form = {
            "description": "Фотосурет телефоннан",
            "nature": "digital",
            "place": "телефон",
            "file": SimpleUploadedFile(name, content),
        }
        return self.alice.client.post(f"/api/v1{self.path}", form, headers=self.alice.headers)

    def step(
        self, number: int, step: str, fields: dict[str, Any] | None = None, *, by: Any = None
    ) -> Any:
        client = by or self.alice
        body = {"step": step, "fields": fields or {}}
        return client.post(f"{self.path}/{number}/custody", body)


@pytest.fixture
def evidence(world: World) -> Evidence:
    return Evidence(world)


def test_the_chain_of_custody_from_seizure_to_return(evidence: Evidence) -> None:
    seized = evidence.seize()
    assert seized.status_code == 201, seized.json()
    assert seized.json()["number"] == 1
    assert seized.json()["custody"] == "seized"
    steps = [
        ("seal", {"seal": "№ 0417", "packaging": "paper envelope"}, "sealed"),
        ("transfer", {"to": "Evidence room of the Almaly police"}, "transferred"),
        ("examine", {"expert": "Forensic centre, expert K.", "purpose": "traces"}, "examined"),
        ("seal", {"seal": "№ 0418", "packaging": "paper envelope"}, "sealed"),
        ("return", {"to": "the owner, T. D."}, "returned"),
    ]
    for step, fields, custody in steps:
        answer = evidence.step(1, step, fields)
        assert answer.status_code == 201, (step, answer.json())
        assert answer.json()["custody"] == custody
    item = EvidenceItem.objects.get(case=evidence.case, number=1)
    assert (item.seal, item.holder) == ("№ 0418", "the owner, T. D.")
    listed = evidence.alice.get(evidence.path).json()["items"]
    assert [(i["number"], i["custody"]) for i in listed] == [(1, "returned")]
    journal = evidence.alice.get(f"/cases/{evidence.case.pk}/acts").json()["acts"]
    assert [a["kind"] for a in journal if a["kind"].startswith("evidence")] == [
        "evidence_seizure",
        "evidence_sealing",
        "evidence_transfer",
        "evidence_examination",
        "evidence_sealing",
        "evidence_return",
    ]
    case = Case.objects.get(pk=evidence.case.pk)
    assert evidence_verify(case) == []
    assert verify_case(case) == []


def test_a_digital_item_is_stored_once_under_its_sha256(evidence: Evidence) -> None:
    first = evidence.upload(PNG)
    second = evidence.upload(PNG, name="copy.png")
    assert first.status_code == second.status_code == 201, (first.json(), second.json())
    assert first.json()["sha256"] == second.json()["sha256"]
    assert [first.json()["number"], second.json()["number"]] == [1, 2]
    assert Blob.objects.filter(sha256=first.json()["sha256"]).count() == 1


def test_refusals_keep_the_chain_and_write_nothing(evidence: Evidence, world: World) -> None:
    assert evidence.seize().status_code == 201
    lawyerless_outsider = ApiClient(world.oscar)
    other_unit = ApiClient(world.ivan)
    prosecutor = ApiClient(world.petra)
    before = database_state()
    # Not sealed yet: it may not change hands or go to an expert.
    assert_error(evidence.step(1, "transfer", {"to": "x"}), 409, "evidence_not_sealed")
    assert_error(
        evidence.step(1, "examine", {"expert": "x", "purpose": "y"}), 409, "evidence_not_sealed"
    )
    assert_error(
        evidence.step(2, "seal", {"seal": "1", "packaging": "x"}), 404, "evidence_not_found"
    )
    assert_error(evidence.step(1, "bury"), 422, "invalid_step")
    assert_error(evidence.step(1, "seal", {"seal": "1"}), 422, "invalid_payload")
    # Destruction awaits the final decision (the stage); the prosecutor does not seal.
    destroyed = evidence.step(1, "destroy", {"grounds": "x"})
    assert destroyed.status_code == 409, destroyed.json()
    assert_error(
        evidence.step(1, "seal", {"seal": "1", "packaging": "x"}, by=prosecutor),
        403,
        "role_not_allowed",
    )
    # Neither a file for a physical item nor a digital one without its file.
    assert_error(evidence.seize(nature="digital"), 422, "evidence_file")
    assert_error(evidence.seize(nature="liquid"), 422, "invalid_nature")
    # Whoever may not see the case is told it does not exist.
    for client in (lawyerless_outsider, other_unit):
        assert_error(client.get(evidence.path), 404, "case_not_found")
        assert_error(client.get(f"{evidence.path}/1/label"), 404, "case_not_found")
        path = f"{evidence.path}/1/custody"
        assert_error(client.post(path, {"step": "seal", "fields": {}}), 404, "case_not_found")
    # The acts are the service's: the generic endpoint refuses them.
    generic = evidence.alice.post(
        f"/cases/{evidence.case.pk}/acts",
        {"kind": "evidence_sealing", "payload": {"number": 1, "seal": "1", "packaging": "x"}},
    )
    assert_error(generic, 422, "evidence_via_service")
    assert database_state() == before


def test_nothing_happens_to_an_item_once_it_is_returned(evidence: Evidence) -> None:
    assert evidence.seize().status_code == 201
    assert evidence.step(1, "return", {"to": "the owner"}).status_code == 201
    before = database_state()
    assert_error(evidence.step(1, "seal", {"seal": "1", "packaging": "x"}), 409, "evidence_closed")
    assert database_state() == before


def test_the_label_names_the_case_and_the_item_and_carries_a_qr_code(evidence: Evidence) -> None:
    assert evidence.seize().status_code == 201
    assert evidence.step(1, "seal", {"seal": "№ 0417", "packaging": "envelope"}).status_code == 201
    answer = evidence.alice.client.get(
        f"/api/v1{evidence.path}/1/label", headers=evidence.alice.headers
    )
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.content))
    text = reader.pages[0].extract_text()
    assert evidence.case.register_number in text
    assert "№ 0417" in text
    assert "қара" in text  # Kazakh letters, from the embedded font
    resources: Any = reader.pages[0]["/Resources"]
    fonts = [f.get_object() for f in resources["/Font"].values()]
    embedded = [f["/FontDescriptor"].get_object() for f in fonts if "/FontDescriptor" in f]
    assert any("DejaVuSans" in str(d["/FontName"]) and "/FontFile2" in d for d in embedded)
    # The QR code is drawn as vector modules: many small filled squares.
    content = reader.pages[0].get_contents()
    assert content is not None
    assert content.get_data().count(b" re") > 100
    again = evidence.alice.client.get(
        f"/api/v1{evidence.path}/1/label", headers=evidence.alice.headers
    )
    assert again.content == answer.content
