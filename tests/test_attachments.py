"""Attachments: stored by content (the SHA-256 of their bytes is their name), typed by their
content rather than by what the client says, limited in size, read only through the gate, and
recorded in the journal by an "attachment" act."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from tergeu.access.models import AccessLog
from tergeu.attachments.models import Blob, CaseAttachment
from tergeu.attachments.services import sniff_mime
from tergeu.cases.models import Case
from tergeu.journal.models import Act
from tergeu.journal.verify import verify_case
from tests.conftest import ApiClient, World
from tests.test_flow_api import register_case
from tests.test_refusals import assert_error, database_state, documented_statuses

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
WINDOWS_PE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00"
)
UPLOAD = "/api/v1/cases/{case_id}/attachments"


@pytest.fixture
def case_id(world: World) -> int:
    registered = register_case(world)
    accepted = ApiClient(world.hector).post(
        f"/cases/{registered['case_id']}/acts",
        {"kind": "acceptance", "payload": {"investigator_id": world.alice.pk, "form": "inquiry"}},
    )
    assert accepted.status_code == 201, accepted.json()
    return int(registered["case_id"])


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_upload_is_stored_by_content(world: World, case_id: int) -> None:
    alice = ApiClient(world.alice)
    sha = hashlib.sha256(PDF).hexdigest()

    response = alice.upload(f"/cases/{case_id}/attachments", "protocol.pdf", PDF)

    assert response.status_code == 201, response.json()
    assert response.json() == {
        "seq": 3,
        "filename": "protocol.pdf",
        "sha256": sha,
        "size": len(PDF),
        "mime": "application/pdf",  # a PDF named .txt is a PDF
    }
    path = Path(settings.MEDIA_ROOT) / "blobs" / sha[:2] / sha[2:4] / sha
    assert stored_files() == [path]
    assert path.read_bytes() == PDF
    act = Act.objects.get(case_id=case_id, seq=3)
    assert act.kind == "attachment"
    assert act.payload == {
        "sha256": sha,
        "filename": "protocol.pdf",
        "size": len(PDF),
        "mime": "application/pdf",
    }
    assert CaseAttachment.objects.get().blob == Blob.objects.get(sha256=sha)
    assert verify_case(Case.objects.get(pk=case_id)) == []


def test_same_bytes_are_stored_once(world: World, case_id: int) -> None:
    alice = ApiClient(world.alice)
    first = alice.upload(f"/cases/{case_id}/attachments", "a.png", PNG)
    second = alice.upload(f"/cases/{case_id}/attachments", "copy of a.png", PNG)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["sha256"] == second.json()["sha256"]
    assert first.json()["mime"] == "image/png"
    assert [a.seq for a in CaseAttachment.objects.all()] == [3, 4]
    assert Blob.objects.count() == 1
    assert len(stored_files()) == 1
    assert verify_case(Case.objects.get(pk=case_id)) == []


def test_client_content_type_is_not_trusted(world: World, case_id: int) -> None:
    alice = ApiClient(world.alice)
    upload = SimpleUploadedFile("statement.txt", "Протокол".encode(), content_type="image/png")
    response = alice.client.post(
        f"/api/v1/cases/{case_id}/attachments", {"file": upload}, headers=alice.headers
    )
    assert response.status_code == 201, response.json()
    assert response.json()["mime"] == "text/plain"


@pytest.mark.parametrize(
    ("name", "content", "status", "code"),
    [
        ("report.txt", WINDOWS_PE, 415, "unsupported_media_type"),
        ("setup.pdf", b"\x7fELF\x02\x01\x01" + bytes(60), 415, "unsupported_media_type"),
        ("data.txt", b"\xff\xfe\x00\x01", 415, "unsupported_media_type"),
        ("empty.txt", b"", 422, "empty_file"),
    ],
    ids=["windows-pe", "elf", "binary", "empty"],
)
def test_refused_upload_writes_nothing(
    name: str, content: bytes, status: int, code: str, world: World, case_id: int
) -> None:
    alice = ApiClient(world.alice)
    before = database_state()

    response = alice.upload(f"/cases/{case_id}/attachments", name, content)

    assert_error(response, status, code)
    assert database_state() == before
    assert stored_files() == []
    assert status in documented_statuses(alice.client, "POST", UPLOAD)


def test_size_limit(world: World, case_id: int, settings: Any) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1000
    alice = ApiClient(world.alice)
    before = database_state()

    too_large = alice.upload(f"/cases/{case_id}/attachments", "big.txt", b"x" * 1001)

    body = assert_error(too_large, 413, "too_large")
    assert body["error"]["details"] == {"limit": 1000}
    assert database_state() == before
    assert stored_files() == []
    assert 413 in documented_statuses(alice.client, "POST", UPLOAD)
    at_limit = alice.upload(f"/cases/{case_id}/attachments", "big.txt", b"x" * 1000)
    assert at_limit.status_code == 201, at_limit.json()


def test_allowed_types_are_configurable(world: World, case_id: int, settings: Any) -> None:
    settings.ATTACHMENT_ALLOWED_TYPES = frozenset({"application/pdf"})
    alice = ApiClient(world.alice)
    assert_error(
        alice.upload(f"/cases/{case_id}/attachments", "a.txt", b"text"),
        415,
        "unsupported_media_type",
    )
    assert alice.upload(f"/cases/{case_id}/attachments", "a.pdf", PDF).status_code == 201


def test_file_name_cannot_name_a_path(world: World, case_id: int) -> None:
    alice = ApiClient(world.alice)
    response = alice.upload(f"/cases/{case_id}/attachments", "..\\..\\etc\\passwd", b"root")
    assert response.status_code == 201, response.json()
    assert "/" not in response.json()["filename"]
    assert "\\" not in response.json()["filename"]
    assert len(stored_files()) == 1


def test_download_through_the_gate(world: World, case_id: int) -> None:
    alice = ApiClient(world.alice)
    seq = alice.upload(f"/cases/{case_id}/attachments", "protocol.pdf", PDF).json()["seq"]

    response = ApiClient(world.petra).get(f"/cases/{case_id}/attachments/{seq}")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="protocol.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AccessLog.objects.filter(official=world.petra, action="download_attachment").count() == 1
    for outsider in (world.oscar, world.ivan, world.victor):
        assert_error(
            ApiClient(outsider).get(f"/cases/{case_id}/attachments/{seq}"), 404, "case_not_found"
        )
    assert_error(alice.get(f"/cases/{case_id}/attachments/99"), 404, "attachment_not_found")


def test_outsider_cannot_upload(world: World, case_id: int) -> None:
    ivan = ApiClient(world.ivan)
    before = database_state()
    response = ivan.upload(f"/cases/{case_id}/attachments", "a.pdf", PDF)
    assert_error(response, 404, "case_not_found")
    assert database_state() == before
    assert stored_files() == []


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        ("Қазақ тілі".encode(), "text/plain"),
        ("Қазақ".encode()[:-1], "text/plain"),  # a character cut at the end of the sniffed head
        (b"plain\xffbinary", "application/octet-stream"),
        (b"ab\xff", "application/octet-stream"),
        (WINDOWS_PE, "application/x-msdownload"),
    ],
)
def test_sniff_mime(head: bytes, mime: str) -> None:
    assert sniff_mime(head) == mime
