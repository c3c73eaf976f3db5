"""Signatures: server-side PAdES from a PKCS#12 key, countersignatures, a detached CMS from the
official's signing application embedded in the PDF, the system's seal — and every refusal, each
with its stable code and nothing written. The certificates (good and bad) come from a CA made
for the test with `cryptography`; the input PDF is a one-page document made with ReportLab.

"pdfsig-style" checks validate the signed PDFs with pyHanko alone, trusting only the test CA."""

from __future__ import annotations

import asyncio
import base64
import inspect
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.core.management.base import CommandError
from pyhanko.pdf_utils.generic import NameObject, TextStringObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_cms import SimpleSigner
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from reportlab.pdfgen import canvas

from tergeu import clock
from tergeu.accounts.models import Official
from tergeu.demo.reference import OFFICIALS
from tergeu.persons.iin import parse_iin
from tergeu.signing import certificates, cms, pdf, services, trust
from tergeu.signing.devca import (
    DEV_PASSWORD,
    SIGNING_USAGE,
    authority_make,
    certificate_issue,
    crl_make,
    dev_ca_open,
    p12_make,
    subject_of,
)
from tergeu.signing.errors import SignatureRefused
from tergeu.signing.models import OfficialCertificate
from tergeu.signing.pdf import placeholder_fill, placeholder_find
from tergeu.signing.services import (
    Pkcs12,
    Placement,
    certificate_register,
    cms_from_base64,
    cms_sign,
    cms_verify,
    document_prepare,
    document_seal,
    document_sign,
    signatures_verify,
)
from tests.conftest import VALID_IIN, VALID_IIN_2, World
from tests.test_refusals import database_state

OTHER_IIN = "780512320029"  # a third valid IIN (1978-05-12, male), nobody's in the tests
PASSWORD = "test-key-password"
Authority = tuple[Any, x509.Certificate]


def document(text: str = "Protocol of interrogation of a witness") -> bytes:
    """A one-page PDF, uncompressed so that a test can find and change a word in it."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pageCompression=0)
    page.drawString(72, 770, text)
    page.drawString(72, 750, "Almaty, 10 March 2025")
    page.save()
    return buffer.getvalue()


@dataclass
class Pki:
    """The test's certification authorities and the trust store pointing at one of them."""

    root: Authority
    stranger: Authority  # a CA nobody trusts
    trust_dir: Path
    now: datetime

    def key(
        self,
        official: Official | None = None,
        *,
        iin: str | None = None,
        usage: set[str] = SIGNING_USAGE,
        valid: tuple[timedelta, timedelta] = (timedelta(days=-1), timedelta(days=365)),
        authority: Authority | None = None,
    ) -> Pkcs12:
        """A PKCS#12 key for the official (or for the IIN given), with the defects asked for."""
        if official is not None:
            subject = subject_of(official)
        else:
            subject = x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}")])
        ca = authority or self.root
        key, certificate = certificate_issue(
            ca, subject, not_before=self.now + valid[0], not_after=self.now + valid[1], usage=usage
        )
        return Pkcs12(data=p12_make(key, certificate, [ca[1]], PASSWORD), password=PASSWORD)

    def revoke(self, p12: Pkcs12) -> None:
        """Publish a CRL of the root that lists the key's certificate."""
        certificate = p12_certificate(p12)
        crl = crl_make(
            self.root,
            {certificate.serial_number: self.now - timedelta(minutes=5)},
            this_update=self.now - timedelta(minutes=1),
            next_update=self.now + timedelta(days=7),
        )
        (self.trust_dir / "crl" / "root.crl").write_bytes(
            crl.public_bytes(serialization.Encoding.DER)
        )


def p12_certificate(p12: Pkcs12) -> x509.Certificate:
    _key, certificate, _chain = pkcs12.load_key_and_certificates(p12.data, PASSWORD.encode())
    assert certificate is not None
    return certificate


@pytest.fixture
def pki(tmp_path: Path, settings: Any) -> Pki:
    now = clock.now()
    span = {"not_before": now - timedelta(days=30), "not_after": now + timedelta(days=3650)}
    root = authority_make("Test root CA", **span)
    stranger = authority_make("Stranger CA", **span)
    trust_dir = tmp_path / "trust"
    (trust_dir / "roots").mkdir(parents=True)
    (trust_dir / "crl").mkdir()
    (trust_dir / "roots" / "root.pem").write_bytes(root[1].public_bytes(serialization.Encoding.PEM))
    empty = crl_make(
        root, {}, this_update=now - timedelta(minutes=1), next_update=now + timedelta(days=7)
    )
    (trust_dir / "crl" / "root.crl").write_bytes(empty.public_bytes(serialization.Encoding.DER))
    settings.TERGEU_SIGNING_TRUST_ROOTS = [str(trust_dir / "roots")]  # a directory
    settings.TERGEU_SIGNING_CRLS = [str(trust_dir / "crl" / "root.crl")]
    return Pki(root=root, stranger=stranger, trust_dir=trust_dir, now=now)


@pytest.fixture
def signers(world: World) -> World:
    """Alice (investigator) and Petra (prosecutor) with their IINs on record."""
    for official, iin in ((world.alice, VALID_IIN), (world.petra, VALID_IIN_2)):
        official.iin = iin
        official.save(update_fields=["iin"])
    return world


def pyhanko_validates(pdf: bytes, root: x509.Certificate) -> list[str]:
    """Validate every signature with pyHanko alone, trusting only `root` (what `pdfsig` or a PDF
    reader does): each must be intact, trusted and acceptably followed; the last must cover the
    whole file. Returns the signers' subjects."""
    trusted = asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER))
    signatures = PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures
    subjects = []
    for index, signature in enumerate(signatures):
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[trusted]))
        assert status.bottom_line, signature.field_name
        if index == len(signatures) - 1:
            assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        subjects.append(status.signing_cert.subject.human_friendly)
    return subjects


def refused(code: str, call: Callable[[], object]) -> SignatureRefused:
    """`call` is refused with `code`, the one error shape, and the database is as it was."""
    before = database_state()
    with pytest.raises(SignatureRefused) as caught:
        call()
    assert caught.value.code == code, caught.value.as_dict()
    body = caught.value.as_dict()["error"]
    assert set(body) == {"code", "message", "details"}
    assert body["message"]
    assert isinstance(body["details"], dict)
    assert caught.value.status == 422
    assert database_state() == before
    return caught.value


def raw_cms(data: bytes, p12: Pkcs12) -> bytes:
    """A detached CAdES signature made with no check at all — what a signing application returns,
    whatever the certificate."""
    signer = SimpleSigner.load_pkcs12_data(p12.data, [], passphrase=p12.password.encode())
    signed = asyncio.run(
        signer.async_sign_general_data(data, "sha256", detached=True, use_cades=True)
    )
    return bytes(signed.dump())


# --- happy paths ---------------------------------------------------------------------------------


def test_server_side_pades_signature(pki: Pki, signers: World) -> None:
    alice = signers.alice
    signed = document_sign(document(), official=alice, p12=pki.key(alice))
    report = signatures_verify(signed, expected=[alice])
    (only,) = report.signatures
    assert only.signer.iin == VALID_IIN
    assert only.covers_whole_file
    assert only.field == "Signature1"
    (subject,) = pyhanko_validates(signed, pki.root[1])
    assert f"IIN{VALID_IIN}" in subject


def test_visible_signature_has_a_widget_on_the_page(pki: Pki, signers: World) -> None:
    alice = signers.alice
    placement = Placement(box=(72, 72, 272, 132))
    signed = document_sign(document(), official=alice, p12=pki.key(alice), placement=placement)
    field = PdfFileReader(io.BytesIO(signed)).root["/AcroForm"]["/Fields"][0].get_object()
    assert [float(v) for v in field["/Rect"]] == [72, 72, 272, 132]
    assert "/AP" in field
    assert signatures_verify(signed, expected=[alice]).signatures[0].signer.iin == VALID_IIN
    pyhanko_validates(signed, pki.root[1])


def test_countersignature_keeps_the_first_signature_valid(pki: Pki, signers: World) -> None:
    alice, petra = signers.alice, signers.petra
    signed = document_sign(document(), official=alice, p12=pki.key(alice))
    countersigned = document_sign(signed, official=petra, p12=pki.key(petra))
    assert countersigned.startswith(signed)  # an incremental update
    report = signatures_verify(countersigned, expected=[alice, petra])
    assert [s.signer.iin for s in report.signatures] == [VALID_IIN, VALID_IIN_2]
    assert [s.covers_whole_file for s in report.signatures] == [False, True]
    assert [s.field for s in report.signatures] == ["Signature1", "Signature2"]
    assert len(pyhanko_validates(countersigned, pki.root[1])) == 2


def test_client_side_cms_is_verified_and_embedded(pki: Pki, signers: World) -> None:
    """The NCALayer flow: prepare, the application signs `data` (createCAdESFromBase64, detached),
    the base64 answer is embedded — here as a countersignature of Alice's signature."""
    alice, petra = signers.alice, signers.petra
    signed = document_sign(document(), official=alice, p12=pki.key(alice))
    prepared = document_prepare(
        signed, official=petra, placement=Placement(box=(300, 72, 500, 132))
    )
    assert prepared.pdf.startswith(signed)
    answer = cms_sign(prepared.data, official=petra, p12=pki.key(petra))  # the "application"
    cms = cms_from_base64(base64.b64encode(answer).decode())
    countersigned = document_sign(prepared.pdf, official=petra, cms=cms)
    report = signatures_verify(countersigned, expected=[alice, petra])
    assert report.signatures[1].signer.iin == VALID_IIN_2
    assert report.signatures[1].field == prepared.field
    assert len(pyhanko_validates(countersigned, pki.root[1])) == 2


def test_detached_cms_over_arbitrary_bytes(pki: Pki, signers: World) -> None:
    alice = signers.alice
    data = "канонический акт / канондық акт".encode()
    cms = cms_sign(data, official=alice, p12=pki.key(alice))
    info = cms_verify(data, cms, official=alice)
    assert info.iin == VALID_IIN
    assert len(info.fingerprint_sha256) == 64
    assert x509.load_der_x509_certificate(info.certificate_der).subject == subject_of(alice)


def test_the_systems_seal_from_the_dev_ca(signers: World) -> None:
    call_command("dev_ca", stdout=StringIO())  # makes the CA and seal.p12 in the test's dev-ca/
    sealed = document_seal(document())
    (only,) = signatures_verify(sealed, expected=[None]).signatures
    assert only.signer.iin is None
    assert "tergeu" in only.signer.subject
    pyhanko_validates(sealed, dev_ca_open().certificate)


def test_a_crl_that_lists_someone_else_lets_the_signature_pass(pki: Pki, signers: World) -> None:
    alice = signers.alice
    pki.revoke(pki.key(alice))  # another key of Alice's is revoked, not this one
    signed = document_sign(document(), official=alice, p12=pki.key(alice))
    assert signatures_verify(signed, expected=[alice]).signatures[0].signer.iin == VALID_IIN


def test_an_archived_document_verifies_at_its_signing_time(pki: Pki, signers: World) -> None:
    """The certificate expires later; verified at the time the act was recorded, it passes."""
    alice = signers.alice
    key = pki.key(alice, valid=(timedelta(days=-1), timedelta(days=2)))
    signed = document_sign(document(), official=alice, p12=key)
    later = pki.now + timedelta(days=30)
    refused("certificate_expired", lambda: signatures_verify(signed, expected=[alice], at=later))
    assert signatures_verify(signed, expected=[alice], at=pki.now + timedelta(minutes=1))


# --- refused certificates, in both modes ----------------------------------------------------------

CertificateCase = Callable[[Pki, World], Pkcs12]

CERTIFICATE_CASES: dict[str, tuple[str, CertificateCase]] = {
    "expired": (
        "certificate_expired",
        lambda p, w: p.key(w.alice, valid=(timedelta(days=-400), timedelta(days=-35))),
    ),
    "not_yet_valid": (
        "certificate_not_yet_valid",
        lambda p, w: p.key(w.alice, valid=(timedelta(days=1), timedelta(days=365))),
    ),
    "other_ca": ("certificate_untrusted", lambda p, w: p.key(w.alice, authority=p.stranger)),
    "other_iin": ("certificate_wrong_holder", lambda p, w: p.key(iin=OTHER_IIN)),
    "no_iin": ("certificate_wrong_holder", lambda p, w: p.key(iin="")),
    "authentication_key": (
        "certificate_key_usage",
        lambda p, w: p.key(w.alice, usage={"digital_signature", "key_encipherment"}),
    ),
    "no_non_repudiation": (
        "certificate_key_usage",
        lambda p, w: p.key(w.alice, usage={"digital_signature"}),
    ),
}


def revoked_key(p: Pki, w: World) -> Pkcs12:
    key = p.key(w.alice)
    p.revoke(key)
    return key


CERTIFICATE_CASES["revoked"] = ("certificate_revoked", revoked_key)


@pytest.mark.parametrize("case", sorted(CERTIFICATE_CASES))
def test_server_side_signing_refuses_the_certificate(case: str, pki: Pki, signers: World) -> None:
    code, make = CERTIFICATE_CASES[case]
    key = make(pki, signers)
    refused(code, lambda: document_sign(document(), official=signers.alice, p12=key))


@pytest.mark.parametrize("case", sorted(CERTIFICATE_CASES))
def test_client_side_cms_with_the_certificate_is_refused(
    case: str, pki: Pki, signers: World
) -> None:
    code, make = CERTIFICATE_CASES[case]
    key = make(pki, signers)
    prepared = document_prepare(document(), official=signers.alice)
    cms = raw_cms(prepared.data, key)
    refused(code, lambda: document_sign(prepared.pdf, official=signers.alice, cms=cms))
    refused(code, lambda: cms_verify(prepared.data, cms, official=signers.alice))


@pytest.mark.parametrize("case", sorted(CERTIFICATE_CASES))
def test_a_pdf_signed_with_the_certificate_does_not_verify(
    case: str, pki: Pki, signers: World
) -> None:
    """Signed elsewhere, without our checks: verification finds the same defect."""
    code, make = CERTIFICATE_CASES[case]
    key = make(pki, signers)
    prepared = document_prepare(document(), official=signers.alice)
    signed = placeholder_fill(placeholder_find(prepared.pdf), raw_cms(prepared.data, key))
    error = refused(code, lambda: signatures_verify(signed, expected=[signers.alice]))
    assert error.details["signature"] == 1
    assert error.details["field"] == "Signature1"


# --- refused bytes --------------------------------------------------------------------------------


def test_a_cms_over_other_bytes_is_refused(pki: Pki, signers: World) -> None:
    alice = signers.alice
    key = pki.key(alice)
    cms = cms_sign(b"the act as it was", official=alice, p12=key)
    refused("signature_mismatch", lambda: cms_verify(b"the act as changed", cms, official=alice))
    prepared = document_prepare(document(), official=alice)
    other = document_prepare(document("Another protocol"), official=alice)
    cms_other = cms_sign(other.data, official=alice, p12=key)
    refused(
        "signature_mismatch", lambda: document_sign(prepared.pdf, official=alice, cms=cms_other)
    )


def test_a_changed_byte_of_a_signed_pdf_is_refused(pki: Pki, signers: World) -> None:
    alice = signers.alice
    signed = document_sign(document(), official=alice, p12=pki.key(alice))
    assert signed.count(b"witness") == 1
    tampered = signed.replace(b"witness", b"suspect")
    error = refused("signature_mismatch", lambda: signatures_verify(tampered, expected=[alice]))
    assert error.details["signature"] == 1
    petra = signers.petra
    refused(
        "signature_mismatch", lambda: document_sign(tampered, official=petra, p12=pki.key(petra))
    )


def test_an_update_after_the_last_signature_is_refused(pki: Pki, signers: World) -> None:
    alice = signers.alice
    signed = document_sign(document(), official=alice, p12=pki.key(alice))
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page[NameObject("/Rotate")] = TextStringObject("90")
    writer.update_container(page)
    output = io.BytesIO()
    writer.write(output)  # type: ignore[no-untyped-call]
    changed = output.getvalue()
    refused("document_modified", lambda: signatures_verify(changed, expected=[alice]))
    refused(
        "document_modified",
        lambda: document_sign(changed, official=signers.petra, p12=pki.key(signers.petra)),
    )


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda pdf: b"not a pdf at all", id="garbage"),
        pytest.param(lambda pdf: pdf[: len(pdf) // 2], id="truncated"),
        pytest.param(lambda pdf: b"", id="empty"),
    ],
)
def test_a_corrupt_pdf_is_refused(
    damage: Callable[[bytes], bytes], pki: Pki, signers: World
) -> None:
    alice = signers.alice
    signed = document_sign(document(), official=alice, p12=pki.key(alice))
    refused(
        "pdf_corrupt", lambda: document_sign(damage(document()), official=alice, p12=pki.key(alice))
    )
    refused("pdf_corrupt", lambda: document_prepare(damage(document()), official=alice))
    refused("pdf_corrupt", lambda: signatures_verify(damage(signed), expected=[alice]))


@pytest.mark.parametrize(
    "cms",
    [
        pytest.param(b"\x30\x03\x02\x01\x01", id="not_signed_data"),
        pytest.param(b"\xff" * 64, id="not_der"),
        pytest.param(b"", id="empty"),
    ],
)
def test_a_corrupt_cms_is_refused(cms: bytes, pki: Pki, signers: World) -> None:
    alice = signers.alice
    prepared = document_prepare(document(), official=alice)
    refused("cms_corrupt", lambda: document_sign(prepared.pdf, official=alice, cms=cms))
    refused("cms_corrupt", lambda: cms_verify(prepared.data, cms, official=alice))


def test_a_truncated_cms_and_bad_base64_are_refused(pki: Pki, signers: World) -> None:
    alice = signers.alice
    prepared = document_prepare(document(), official=alice)
    cms = cms_sign(prepared.data, official=alice, p12=pki.key(alice))
    refused("cms_corrupt", lambda: document_sign(prepared.pdf, official=alice, cms=cms[:-40]))
    refused("cms_corrupt", lambda: cms_from_base64("this is not base64!"))


def test_a_cms_larger_than_its_room_is_refused(pki: Pki, signers: World) -> None:
    alice = signers.alice
    prepared = document_prepare(document(), official=alice)
    cms = cms_sign(prepared.data, official=alice, p12=pki.key(alice))
    reserved = placeholder_find(prepared.pdf)
    refused("cms_too_large", lambda: placeholder_fill(reserved, cms + b"\x00" * 20000))


def test_a_pdf_without_a_prepared_signature_cannot_take_a_cms(pki: Pki, signers: World) -> None:
    alice = signers.alice
    pdf = document()
    cms = cms_sign(pdf, official=alice, p12=pki.key(alice))
    refused("placeholder_missing", lambda: document_sign(pdf, official=alice, cms=cms))


# --- refused signers -------------------------------------------------------------------------------


def test_an_official_without_iin_cannot_sign(pki: Pki, signers: World) -> None:
    victor = signers.victor  # no IIN on record
    key = pki.key(iin=VALID_IIN)
    refused("official_without_iin", lambda: document_sign(document(), official=victor, p12=key))
    refused("official_without_iin", lambda: document_prepare(document(), official=victor))


def test_the_wrong_password_is_refused(pki: Pki, signers: World) -> None:
    key = pki.key(signers.alice)
    wrong = Pkcs12(data=key.data, password="not-the-password")
    refused("p12_unreadable", lambda: document_sign(document(), official=signers.alice, p12=wrong))
    broken = Pkcs12(data=key.data[:100], password=PASSWORD)
    refused("p12_unreadable", lambda: document_sign(document(), official=signers.alice, p12=broken))


def test_verification_names_the_expected_signers(pki: Pki, signers: World) -> None:
    alice, petra = signers.alice, signers.petra
    signed = document_sign(document(), official=alice, p12=pki.key(alice))
    error = refused("certificate_wrong_holder", lambda: signatures_verify(signed, expected=[petra]))
    assert error.details["signature"] == 1
    refused("signatures_mismatch", lambda: signatures_verify(signed, expected=[alice, petra]))
    refused("signatures_mismatch", lambda: signatures_verify(document(), expected=[alice]))
    assert signatures_verify(document(), expected=[]).signatures == ()


def test_no_trust_roots_means_nothing_is_trusted(pki: Pki, signers: World, settings: Any) -> None:
    settings.TERGEU_SIGNING_TRUST_ROOTS = []
    refused(
        "certificate_untrusted",
        lambda: document_sign(document(), official=signers.alice, p12=pki.key(signers.alice)),
    )


def test_hard_fail_refuses_a_certificate_whose_crl_is_missing(
    pki: Pki, signers: World, settings: Any
) -> None:
    """The certificate names a CRL distribution point; under hard-fail, no CRL means no
    signature (under the default soft-fail it passes, as the happy paths show)."""
    settings.TERGEU_SIGNING_REVOCATION_MODE = "hard-fail"
    settings.TERGEU_SIGNING_CRLS = []
    key = pki.key(signers.alice)
    refused(
        "certificate_revocation_unknown",
        lambda: document_sign(document(), official=signers.alice, p12=key),
    )
    settings.TERGEU_SIGNING_CRLS = [str(pki.trust_dir / "crl")]  # a directory of CRLs
    assert document_sign(document(), official=signers.alice, p12=key)


# --- officials' certificates, the dev CA and the demo ---------------------------------------------


def test_certificate_register_checks_the_holder(pki: Pki, signers: World) -> None:
    alice = signers.alice
    pem = p12_certificate(pki.key(alice)).public_bytes(serialization.Encoding.PEM)
    row = certificate_register(official=alice, pem=pem)
    assert certificate_register(official=alice, pem=pem) == row
    assert OfficialCertificate.objects.filter(official=alice).count() == 1
    refused(
        "certificate_wrong_holder", lambda: certificate_register(official=signers.petra, pem=pem)
    )
    refused("certificate_corrupt", lambda: certificate_register(official=alice, pem=b"junk"))


def test_dev_ca_issues_keys_that_sign_and_revokes_them(signers: World) -> None:
    alice = signers.alice
    out = StringIO()
    call_command("dev_ca", stdout=out)
    assert "2 certificates issued" in out.getvalue()  # Alice and Petra have IINs
    call_command("dev_ca", stdout=out)
    assert "0 certificates issued" in out.getvalue()
    ca = dev_ca_open()
    key = Pkcs12(data=ca.p12_path(alice).read_bytes(), password=DEV_PASSWORD)
    signed = document_sign(document(), official=alice, p12=key)
    assert signatures_verify(signed, expected=[alice]).signatures[0].signer.iin == VALID_IIN

    call_command("dev_ca", revoke=["alice"], stdout=out)
    refused("certificate_revoked", lambda: document_sign(document(), official=alice, p12=key))
    call_command("dev_ca", "alice", stdout=out)  # a new key replaces the revoked one
    key = Pkcs12(data=ca.p12_path(alice).read_bytes(), password=DEV_PASSWORD)
    assert document_sign(document(), official=alice, p12=key)


def test_dev_ca_refuses_officials_without_iin_and_outside_dev_mode(
    signers: World, settings: Any
) -> None:
    with pytest.raises(CommandError, match="no IIN"):
        call_command("dev_ca", "victor", stdout=StringIO())
    settings.DEV_MODE = False
    with pytest.raises(CommandError, match="dev mode"):
        call_command("dev_ca", stdout=StringIO())


def test_demo_officials_have_iins_and_keys(db: Any) -> None:
    out = StringIO()
    call_command("demo_load", stdout=out)
    assert f"password {DEV_PASSWORD}" in out.getvalue()
    demo = Official.objects.filter(username__in=[s.username for s in OFFICIALS])
    assert demo.count() == len(OFFICIALS)
    ca = dev_ca_open()
    for official in demo:
        parse_iin(official.iin)
        assert official.certificates.count() == 1
        assert ca.p12_path(official).exists()
    investigator = demo.get(username="investigator")
    key = Pkcs12(data=ca.p12_path(investigator).read_bytes(), password=DEV_PASSWORD)
    signed = document_sign(document(), official=investigator, p12=key)
    assert signatures_verify(signed, expected=[investigator]).signatures[0].signer.iin == (
        investigator.iin
    )


def test_every_refusal_code_is_documented() -> None:
    """The codes SignatureRefused lists are those the code raises, and docs/signing.md explains
    each."""
    listed = set(re.findall(r"`([a-z_0-9]+)`", SignatureRefused.__doc__ or ""))
    raised: set[str] = set()
    for module in (certificates, cms, pdf, services, trust):
        raised |= set(re.findall(r'code="([a-z_0-9]+)"', inspect.getsource(module)))
    assert listed == raised
    text = (Path(__file__).resolve().parent.parent / "docs" / "signing.md").read_text()
    assert [code for code in sorted(listed) if f"`{code}`" not in text] == []
