"""Acts' documents signed in the act flow: the author signs first (with the key kept on the
server, or with a detached CMS from the signing application), each decider countersigns, the
document is then the signed revision; the case's bundle carries the signed PDFs with their
signers and the CA certificates, and the offline verifier accepts it — and fails it when the
trusted CA is another, a signer is not the one the manifest names, or a signed document is
put in the place of another act's. Every refusal is the one error shape with nothing written."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from tergeu_verify.verify import Trust, verify_bundle

from tergeu import clock
from tergeu.integrity.signer import log_signer
from tergeu.journal.models import Act
from tergeu.signing.acts import revisions, visible_revisions
from tergeu.signing.devca import DEV_PASSWORD, authority_make, dev_ca_open, dev_certificates_issue
from tergeu.signing.models import SignedDocument
from tergeu.signing.services import Pkcs12, cms_sign, signatures_verify
from tests.conftest import VALID_IIN, VALID_IIN_2, World
from tests.test_covert import SUSPECT, Covert
from tests.test_export import export, manifest
from tests.test_refusals import assert_error, database_state

JULIA_IIN = "780512320029"
PETRA_IIN = "800303400050"
PEM = serialization.Encoding.PEM
COVERT_ACT = "/cases/{case}/compartments/1/acts/{seq}"


@pytest.fixture
def covert(world: World) -> Covert:
    """The covert case, with Alice, Petra and Julia holding keys of the development CA."""
    case = Covert(world)
    for official, iin in ((world.alice, VALID_IIN), (world.petra, PETRA_IIN)):
        official.iin = iin
        official.save(update_fields=["iin"])
    case.julia.iin = JULIA_IIN
    case.julia.save(update_fields=["iin"])
    dev_certificates_issue([world.alice, world.petra, case.julia])
    return case


def path(covert: Covert, seq: int, tail: str = "signatures") -> str:
    return COVERT_ACT.format(case=covert.case.pk, seq=seq) + f"/{tail}"


def sign(covert: Covert, who: Any, seq: int, **body: Any) -> Any:
    return covert.client(who).post(path(covert, seq), {"lang": "ru", **body})


def trusted() -> Trust:
    ca = dev_ca_open()
    root = ca.certificate.public_bytes(serialization.Encoding.PEM)
    return Trust(roots=[root], log_keys=[log_signer().public_key_der()])


def p12_of(who: Any) -> Pkcs12:
    return Pkcs12(data=dev_ca_open().p12_path(who).read_bytes(), password=DEV_PASSWORD)


def signed_everything(covert: Covert) -> None:
    """Alice signs her request; Julia sanctions it, countersigns it and signs her decision."""
    assert sign(covert, covert.world.alice, 1).status_code == 201
    assert covert.sanction(1).status_code == 201
    assert sign(covert, covert.julia, 1).status_code == 201
    assert sign(covert, covert.julia, 2).status_code == 201


def test_the_author_signs_the_judge_countersigns_and_the_document_is_the_signed_one(
    covert: Covert,
) -> None:
    alice, julia = covert.world.alice, covert.julia
    first = sign(covert, alice, 1)
    assert first.status_code == 201, first.json()
    assert first.json()["revision"] == 1
    assert first.json()["role"] == "author"
    assert first.json()["signer_iin"] == VALID_IIN
    assert first.json()["mode"] == "server"
    assert covert.sanction(1).status_code == 201
    second = sign(covert, julia, 1)
    assert second.status_code == 201, second.json()
    assert second.json()["role"] == "decision"
    assert second.json()["decision_seq"] == 2
    listed = covert.client(alice).get(path(covert, 1), lang="ru").json()
    assert [s["revision"] for s in listed["signatures"]] == [1, 2]

    download = covert.client(alice).get(path(covert, 1, "document"), lang="ru")
    pdf = bytes(download.content)
    assert hashlib.sha256(pdf).hexdigest() == second.json()["document_sha256"]
    act = Act.objects.get(compartment__case=covert.case, seq=1)
    at = clock.now()
    report = signatures_verify(pdf, expected=[alice, julia], at=at)
    assert [s.signer.iin for s in report.signatures] == [VALID_IIN, JULIA_IIN]
    # The countersigned revision begins with the bytes the author signed.
    rows = revisions(act, "ru")
    assert rows[1].pdf_id == hashlib.sha256(pdf).hexdigest()
    # Someone who may see the act but not the decision sees the author's revision only.
    assert [r.revision for r in visible_revisions(rows, lambda seq: False)] == [1]


def test_the_signing_application_s_cms_is_verified_and_embedded(covert: Covert) -> None:
    alice = covert.world.alice
    client = covert.client(alice)
    assert_error(
        sign(covert, alice, 1, cms=base64.b64encode(b"x" * 40).decode()), 409, "nothing_prepared"
    )
    prepared = client.post(path(covert, 1, "signatures/prepare"), {"lang": "ru"})
    assert prepared.status_code == 200, prepared.json()
    data = base64.b64decode(prepared.json()["data"])
    assert prepared.json()["digest_sha256"] == hashlib.sha256(data).hexdigest()

    before = database_state()
    over_other_bytes = cms_sign(data + b"!", official=alice, p12=p12_of(alice))
    assert_error(
        sign(covert, alice, 1, cms=base64.b64encode(over_other_bytes).decode()),
        422,
        "signature_mismatch",
    )
    by_julia = cms_sign(data, official=covert.julia, p12=p12_of(covert.julia))
    assert_error(
        sign(covert, alice, 1, cms=base64.b64encode(by_julia).decode()),
        422,
        "certificate_wrong_holder",
    )
    assert_error(sign(covert, alice, 1, cms="not base64!"), 422, "cms_corrupt")
    assert database_state() == before

    cms = cms_sign(data, official=alice, p12=p12_of(alice))
    done = sign(covert, alice, 1, cms=base64.b64encode(cms).decode())
    assert done.status_code == 201, done.json()
    assert done.json()["mode"] == "client"
    row = SignedDocument.objects.get()
    assert row.signer_iin == VALID_IIN


def test_who_may_not_sign_is_refused_with_nothing_written(covert: Covert, settings: Any) -> None:
    world = covert.world
    clients = [covert.client(o) for o in (world.alice, world.petra, covert.julia, world.oscar)]
    assert clients
    before = database_state()
    assert_error(sign(covert, world.petra, 1), 403, "not_a_signer")
    assert_error(sign(covert, world.oscar, 1), 404, "case_not_found")
    settings.TERGEU_SIGNING_SERVER_KEYS = ""
    assert_error(sign(covert, world.alice, 1), 422, "server_signing_off")
    assert database_state() == before
    settings.TERGEU_SIGNING_SERVER_KEYS = str(Path(settings.TERGEU_DEV_CA_DIR) / "officials")

    assert covert.sanction(1).status_code == 201
    before = database_state()
    assert_error(sign(covert, covert.julia, 1), 409, "author_signature_missing")
    assert database_state() == before
    assert sign(covert, world.alice, 1).status_code == 201
    before = database_state()
    assert_error(sign(covert, world.alice, 1), 409, "already_signed")
    assert_error(sign(covert, world.alice, 1, lang="xx"), 422, "invalid_input")
    assert database_state() == before


def replaced(bundle: bytes, change: dict[str, bytes | None], edit: Any = None) -> bytes:
    """The bundle with files replaced (their SHA-256 in the manifest updated, as a forger
    would) and the manifest edited by `edit`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as source, zipfile.ZipFile(out, "w") as target:
        document = json.loads(source.read("manifest.json"))
        for name, data in change.items():
            if data is not None:
                document["files"][name] = hashlib.sha256(data).hexdigest()
        if edit is not None:
            edit(document)
        target.writestr("manifest.json", json.dumps(document))
        for name in source.namelist():
            if name != "manifest.json":
                target.writestr(name, change.get(name) or source.read(name))
    return out.getvalue()


def test_the_bundle_carries_signed_documents_and_verifies(covert: Covert) -> None:
    signed_everything(covert)
    bundle = export(covert.client(covert.world.alice), covert.case.pk, lang="ru")
    report = verify_bundle(bundle, trusted())
    assert report.ok, [str(f) for f in report.problems]
    acts = {(a["chain"], a["seq"]): a for a in manifest(bundle)["acts"]}
    request = acts[("compartment:1", 1)]["document"]
    assert [s["iin"] for s in request["signers"]] == [VALID_IIN, JULIA_IIN]
    assert [s["role"] for s in request["signers"]] == ["author", "decision"]
    assert manifest(bundle)["trust_roots"] == ["certificates/root-1.pem"]
    # Without pinned roots the bundle's own CA certificate is used, and said to be.
    own = verify_bundle(bundle, Trust(log_keys=trusted().log_keys))
    assert own.ok
    assert any("not pinned" in f.what for f in own.findings)


def test_another_ca_a_wrong_signer_or_a_swapped_document_fails(covert: Covert) -> None:
    signed_everything(covert)
    bundle = export(covert.client(covert.world.alice), covert.case.pk, lang="ru")
    acts = {(a["chain"], a["seq"]): a for a in manifest(bundle)["acts"]}
    request, decision = acts[("compartment:1", 1)], acts[("compartment:1", 2)]
    where = "compartment:1 act 1 document"

    now = clock.now()
    _key, stranger = authority_make("Stranger CA", not_before=now, not_after=now)
    other_root = stranger.public_bytes(serialization.Encoding.PEM)
    report = verify_bundle(bundle, Trust(roots=[other_root], log_keys=trusted().log_keys))
    assert f"FAIL {where}: signature 1: its certificate does not chain to a trusted CA" in [
        str(f) for f in report.problems
    ]

    def wrong_signer(document: dict[str, Any]) -> None:
        for entry in document["acts"]:
            if entry["chain"] == "compartment:1" and entry["seq"] == 1:
                entry["document"]["signers"][1]["iin"] = VALID_IIN_2

    report = verify_bundle(replaced(bundle, {}, wrong_signer), trusted())
    assert [str(f) for f in report.problems] == [
        f"FAIL {where}: signature 2: made by IIN {JULIA_IIN}, the act names {VALID_IIN_2}"
    ]

    # Julia's signed decision put in the place of Alice's request, its hash and signers too.
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        decision_pdf = archive.read(decision["document"]["path"])

    def swapped(document: dict[str, Any]) -> None:
        for entry in document["acts"]:
            if entry["chain"] == "compartment:1" and entry["seq"] == 1:
                entry["document"]["sha256"] = hashlib.sha256(decision_pdf).hexdigest()
                entry["document"]["signers"] = decision["document"]["signers"]

    forged = replaced(bundle, {request["document"]["path"]: decision_pdf}, swapped)
    problems = [str(f) for f in verify_bundle(forged, trusted()).problems]
    assert problems == [
        f"FAIL {where}: the document does not name this act (its keywords carry another act's hash)"
    ]


def test_server_keys_live_in_the_dev_ca(covert: Covert) -> None:
    path_ = Path(settings.TERGEU_SIGNING_SERVER_KEYS) / f"{covert.world.alice.username}.p12"
    assert path_ == dev_ca_open().p12_path(covert.world.alice)
    assert path_.exists()


def test_a_bundle_whose_ca_certificate_was_replaced_fails(covert: Covert) -> None:
    signed_everything(covert)
    bundle = export(covert.client(covert.world.alice), covert.case.pk, lang="ru")
    now = clock.now()
    _key, stranger = authority_make("Stranger CA", not_before=now, not_after=now)
    forged = replaced(bundle, {"certificates/root-1.pem": stranger.public_bytes(PEM)})
    problems = [str(f) for f in verify_bundle(forged, Trust(log_keys=trusted().log_keys)).problems]
    assert (
        "FAIL compartment:1 act 1 document: signature 1: its certificate does not chain to a "
        "trusted CA" in problems
    )


def test_the_defence_s_bundle_carries_the_signatures_it_may_see_and_verifies(
    covert: Covert,
) -> None:
    world, case = covert.world, covert.case
    recognition = covert.client(world.alice).post(
        f"/cases/{case.pk}/acts",
        {"kind": "recognition_as_suspect", "payload": {"party": SUSPECT, "grounds": "x"}},
    )
    assert recognition.status_code == 201, recognition.json()
    seq = recognition.json()["seq"]
    decision = covert.client(world.petra).post(
        f"/cases/{case.pk}/acts",
        {"kind": "decision", "payload": {"request": seq, "outcome": "granted"}},
    )
    assert decision.status_code == 201, decision.json()
    case_path = f"/cases/{case.pk}/acts/{{seq}}/signatures"
    for who, number in ((world.alice, seq), (world.petra, seq), (world.petra, seq + 1)):
        signed = covert.client(who).post(case_path.format(seq=number), {"lang": "kk"})
        assert signed.status_code == 201, signed.json()
    lawyer = world.lawyer()
    notice = covert.client(lawyer).post(
        "/defence/notices", {"register_number": case.register_number, "client_iin": SUSPECT[4:]}
    )
    assert notice.status_code == 201, notice.json()

    bundle = export(covert.client(lawyer), case.pk, lang="kk")
    report = verify_bundle(bundle, trusted())
    assert report.ok, [str(f) for f in report.problems]
    acts = {a["seq"]: a for a in manifest(bundle)["acts"]}
    assert manifest(bundle)["case"]["scope"] == "defence"
    assert seq in acts
    signers = [s["iin"] for s in acts[seq]["document"]["signers"]]
    # The prosecutor's countersignature is there exactly when her decision is disclosed.
    assert signers == ([VALID_IIN, PETRA_IIN] if seq + 1 in acts else [VALID_IIN])
    download = covert.client(lawyer).get(
        case_path.format(seq=seq).replace("signatures", "document"), lang="kk"
    )
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        assert archive.read(acts[seq]["document"]["path"]) == download.content
