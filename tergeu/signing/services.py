"""The one signer/verifier interface of tergeu.

Signing a procedural document (PDF bytes in, signed PDF bytes out):

- server-side, from a PKCS#12 key: `document_sign(pdf, official=..., p12=...)` (development, and
  the system's own seal: `document_seal`);
- client-side, by the official's signing application (NCALayer): `document_prepare` reserves the
  signature in the document and gives the bytes to sign; the application returns a detached CMS
  over them; `document_sign(prepared.pdf, official=..., cms=...)` verifies it and embeds it.

Each further signature (agreement, approval, sanction) is a countersignature: one more PAdES
signature appended as an incremental update. `signatures_verify` checks them all, `cms_verify`
checks a detached CMS over any bytes. Whatever fails raises `SignatureRefused` with a stable code
(docs/signing.md); nothing here writes to the database except `certificate_register`."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext as _
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.pdf_embedded import (
    EmbeddedPdfSignature,
    async_validate_pdf_signature,
)
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel

from tergeu import clock
from tergeu.accounts.models import Official
from tergeu.signing import pdf as pdf_ops
from tergeu.signing.certificates import (
    SignerInfo,
    certificate_check,
    certificate_pem,
    certificates_load,
    fingerprint,
    holder_check,
    key_usage_check,
    official_iin,
    signer_info,
)
from tergeu.signing.cms import (
    KEY_USAGE_CONSTRAINTS,
    Pkcs12,
    cms_corrupt,
    cms_from_base64,
    cms_sign,
    cms_verify,
    integrity_check,
    p12_signer,
    signing_time,
    trusted_check,
)
from tergeu.signing.errors import SignatureRefused
from tergeu.signing.models import OfficialCertificate
from tergeu.signing.pdf import Placement
from tergeu.signing.trust import chain_check, run, validation_context

__all__ = [
    "Placement",
    "Pkcs12",
    "Prepared",
    "Report",
    "SignatureReport",
    "SignerInfo",
    "certificate_register",
    "cms_from_base64",
    "cms_sign",
    "cms_verify",
    "document_prepare",
    "document_seal",
    "document_sign",
    "signatures_verify",
]

# What may follow an earlier signature: more signatures and form filling, nothing else.
ALLOWED_AFTER_SIGNING = (
    ModificationLevel.NONE,
    ModificationLevel.LTA_UPDATES,
    ModificationLevel.FORM_FILLING,
)


@dataclass(frozen=True)
class Prepared:
    """A document waiting for its signature from the official's signing application: keep `pdf`
    on the server (never take it back from the client: the CMS is checked against it) and send
    `data` (or its SHA-256, `digest`) to be signed; then call `document_sign` with the returned
    CMS and this `pdf`."""

    pdf: bytes
    field: str
    data: bytes

    @property
    def data_base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(self.data).digest()


@dataclass(frozen=True)
class SignatureReport:
    """One verified signature of a document."""

    field: str
    signer: SignerInfo
    covers_whole_file: bool  # true for the last signature; earlier ones cover their revision


@dataclass(frozen=True)
class Report:
    """Every signature of a document, in signing order, all verified."""

    signatures: tuple[SignatureReport, ...]


# --- PDF documents -------------------------------------------------------------------------------


def _holder_text(official: Official | None) -> str:
    if official is None:
        return "tergeu seal"
    return f"IIN {official_iin(official)}"


def _embedded(pdf: bytes) -> list[EmbeddedPdfSignature]:
    reader = pdf_ops.reader_open(pdf)
    try:
        return list(reader.embedded_regular_signatures)
    except Exception as exc:
        # a signature dictionary whose /Contents is not a CMS, a broken /ByteRange...
        raise cms_corrupt(f"{type(exc).__name__}: {exc}") from exc


def _pdf_status(embedded: EmbeddedPdfSignature, at: datetime | None) -> PdfSignatureStatus:
    context = validation_context(at)
    try:
        return run(
            async_validate_pdf_signature(
                embedded,
                signer_validation_context=context,
                key_usage_settings=KEY_USAGE_CONSTRAINTS,
            ),
            context,
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise cms_corrupt(f"{type(exc).__name__}: {exc}") from exc


def _coverage_check(status: PdfSignatureStatus, *, last: bool) -> None:
    """The last signature covers the whole file; an earlier one its own revision, followed by
    nothing but signatures and form filling."""
    if last:
        acceptable = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    else:
        acceptable = (
            status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
            and status.modification_level in ALLOWED_AFTER_SIGNING
            and status.docmdp_ok is not False
        )
    if not acceptable:
        level = status.modification_level
        raise SignatureRefused(
            _("The document was changed after it was signed."),
            code="document_modified",
            details={
                "coverage": status.coverage.name if status.coverage else None,
                "modification": level.name if level else None,
            },
        )


def _with_position(exc: SignatureRefused, index: int, field: str) -> SignatureRefused:
    """The same refusal, saying which signature of the document it is about."""
    exc.details = {**exc.details, "signature": index + 1, "field": field}
    return exc


def _structure_check(pdf: bytes) -> None:
    """Every signature already in the document is intact and nothing but signatures followed
    it. Trust in their certificates is `signatures_verify`'s
    question, asked at the moment the caller knows they were made."""
    embedded = _embedded(pdf)
    for index, signature in enumerate(embedded):
        try:
            status = _pdf_status(signature, None)
            integrity_check(status)
            _coverage_check(status, last=index == len(embedded) - 1)
        except SignatureRefused as exc:
            raise _with_position(exc, index, signature.field_name) from None


def _one_signature(
    signature: EmbeddedPdfSignature, *, official: Official | None, at: datetime | None, last: bool
) -> SignatureReport:
    status = _pdf_status(signature, at)
    integrity_check(status)
    _coverage_check(status, last=last)
    certificate = x509.load_der_x509_certificate(signature.signer_cert.dump())
    certificate_check(certificate, official=official, at=at or clock.now())
    chain_check(certificate, others=list(signature.other_embedded_certs), at=at)
    trusted_check(status)
    return SignatureReport(
        field=signature.field_name,
        signer=signer_info(certificate, signing_time(status)),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
    )


def signatures_verify(
    pdf: bytes, *, expected: Sequence[Official | None], at: datetime | None = None
) -> Report:
    """Verify every signature of a PDF: one per expected signer, in signing order (None: the
    system's seal), each intact, the last covering the whole file and the earlier ones followed
    only by signatures, each certificate its signer's, valid at `at` (now when None; pass the
    time the act was recorded to verify an archived document), meant for signing, trusted and
    not revoked."""
    embedded = _embedded(pdf)
    if len(embedded) != len(expected):
        raise SignatureRefused(
            _("The document carries %(found)d signatures where %(expected)d are expected.")
            % {"found": len(embedded), "expected": len(expected)},
            code="signatures_mismatch",
            details={"found": len(embedded), "expected": len(expected)},
        )
    reports = []
    for index, (signature, official) in enumerate(zip(embedded, expected, strict=True)):
        try:
            reports.append(
                _one_signature(signature, official=official, at=at, last=index == len(expected) - 1)
            )
        except SignatureRefused as exc:
            raise _with_position(exc, index, signature.field_name) from None
    return Report(signatures=tuple(reports))


def document_prepare(
    pdf: bytes, *, official: Official, placement: Placement | None = None, reason: str = ""
) -> Prepared:
    """Reserve the official's signature in the document, for their signing application to make
    (the client-side mode). The earlier signatures must be intact."""
    holder = _holder_text(official)
    _structure_check(pdf)
    reserved = pdf_ops.placeholder_add(
        pdf, holder=holder, placement=placement or Placement(), reason=reason, at=clock.now()
    )
    return Prepared(pdf=reserved.pdf, field=reserved.field, data=reserved.signed_bytes)


def _embed(pdf: bytes, *, official: Official, cms: bytes) -> bytes:
    reserved = pdf_ops.placeholder_find(pdf)
    cms_verify(reserved.signed_bytes, cms, official=official)
    signed = pdf_ops.placeholder_fill(reserved, cms)
    _structure_check(signed)
    return signed


def document_sign(
    pdf: bytes,
    *,
    official: Official,
    p12: Pkcs12 | None = None,
    cms: bytes | None = None,
    placement: Placement | None = None,
    reason: str = "",
) -> bytes:
    """Add the official's PAdES signature to the document; a countersignature when it is
    already signed.

    With `p12`: sign here with that key (development). With `cms`: `pdf` is `Prepared.pdf` and
    `cms` the detached CMS the official's signing application made over `Prepared.data`; it is
    verified and embedded. The certificate must pass every check of `cms_verify` for now."""
    if (p12 is None) == (cms is None):
        raise TypeError("document_sign needs exactly one of p12 and cms")
    if cms is not None:
        return _embed(pdf, official=official, cms=cms)
    assert p12 is not None
    signer = p12_signer(p12, official)
    _structure_check(pdf)
    return pdf_ops.pades_sign(
        pdf,
        signer,
        holder=_holder_text(official),
        placement=placement or Placement(),
        reason=reason,
    )


def document_seal(pdf: bytes, *, placement: Placement | None = None, reason: str = "") -> bytes:
    """Add the system's own seal (the key of TERGEU_SEAL_P12) to the document."""
    try:
        data = Path(settings.TERGEU_SEAL_P12).read_bytes() if settings.TERGEU_SEAL_P12 else None
    except OSError as exc:
        raise ImproperlyConfigured(f"TERGEU_SEAL_P12 cannot be read: {exc}") from exc
    if data is None:
        raise ImproperlyConfigured("TERGEU_SEAL_P12 is not set: the system has no seal")
    p12 = Pkcs12(data=data, password=settings.TERGEU_SEAL_PASSWORD)
    signer = p12_signer(p12, None)
    _structure_check(pdf)
    return pdf_ops.pades_sign(
        pdf, signer, holder=_holder_text(None), placement=placement or Placement(), reason=reason
    )


def certificate_register(*, official: Official, pem: bytes) -> OfficialCertificate:
    """Record a signing certificate of the official (registering the same one again returns the
    existing row). Refused when it does not name the official by IIN or is not a signing
    certificate; the chain is not checked here — it is at every signature."""
    try:
        certificate = certificates_load(pem)[0]
    except ValueError as exc:
        raise SignatureRefused(
            _("This is not an X.509 certificate."), code="certificate_corrupt"
        ) from exc
    holder_check(certificate, official)
    key_usage_check(certificate)
    with transaction.atomic():
        row, _created = OfficialCertificate.objects.get_or_create(
            fingerprint_sha256=fingerprint(certificate),
            defaults={
                "official": official,
                "pem": certificate_pem(certificate),
                "serial_number": f"{certificate.serial_number:x}",
                "subject": certificate.subject.rfc4514_string(),
                "issuer": certificate.issuer.rfc4514_string(),
                "not_before": certificate.not_valid_before_utc,
                "not_after": certificate.not_valid_after_utc,
                "registered_at": clock.now(),
            },
        )
    return row
